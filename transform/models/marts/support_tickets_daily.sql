-- One row per account and day it opened a ticket, up to the as-of day: `opened` that day and
-- `opened_7d` over the 7 days ending that day (the window account_snapshot.tickets_7d takes on the
-- as-of day). The score check judges the ticket-burst rule on every day before a renewal from
-- these rows (the count over a window can only rise on a day with tickets), so no page groups
-- support_tickets per view.
{{ config(indexes=[{'columns': ['account_id', 'day']}] if target.type == 'postgres' else []) }}

with opened as (
    select t.account_id, t.opened_on as day, count(*) as opened,
           {{ dbt.datediff("cast('2000-01-01' as date)", 't.opened_on', 'day') }} as day_number
    from {{ ref('stg_support_tickets') }} as t
    cross join {{ ref('int_as_of') }} as s
    where t.opened_on <= s.as_of
    group by t.account_id, t.opened_on
)

select
    account_id,
    day,
    opened,
    sum(opened) over (partition by account_id order by day_number
        range between {{ var('cs_cockpit_recent_days') | int - 1 }} preceding and current row) as opened_7d
from opened
