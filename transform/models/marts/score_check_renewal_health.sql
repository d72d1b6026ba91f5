-- One row per decided renewal due by the as-of day, look-back the Score check offers (var
-- cs_cockpit_score_check_lead_days: N days before due) and health component: the score that
-- stood on the look day (the account's latest weekly snapshot on or before it, at most
-- cs_cockpit_score_check_score_max_age_days - 1 days older; none: no rows) with its components'
-- values and weights (macro spread_health_weights, as in health_components_daily). Both vars
-- come from the app's queries/definitions.py on its own builds; the page reads these rows by
-- look-back instead of looking every renewal's day up in the weights view per page view.
{{ config(indexes=[{'columns': ['lead_days', 'due_date']}] if target.type == 'postgres' else []) }}

with decided as (
    select * from {{ ref('int_score_check_windows') }}
),

looked as (
    select d.renewal_id, d.account_id, d.due_date, d.lead_days, d.looked_on, max(h.day) as health_day
    from decided as d
    inner join {{ ref('stg_health_scores') }} as h on h.account_id = d.account_id
        and h.day <= d.looked_on
        and h.day > {{ add_days('d.looked_on', 0 - (var('cs_cockpit_score_check_score_max_age_days') | int)) }}
    group by d.renewal_id, d.account_id, d.due_date, d.lead_days, d.looked_on
),

looked_scores as (
    select h.*
    from {{ ref('stg_health_scores') }} as h
    inner join (select distinct account_id, health_day from looked) as k
        on k.account_id = h.account_id and k.health_day = h.day
),

components as (
    {{ spread_health_weights('looked_scores') }}
)

select l.renewal_id, l.account_id, l.due_date, l.lead_days, l.looked_on, l.health_day,
       c.score, c.component, c.value, c.weight
from looked as l
inner join components as c on c.account_id = l.account_id and c.day = l.health_day
