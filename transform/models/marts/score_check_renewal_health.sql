-- One row per decided renewal due by the as-of day, look-back the Score check offers and health
-- component: for the renewals of score_check_renewal_scores judged by a score (the score that stood
-- on the look day), that day's components' values and weights (macro spread_health_weights, as in
-- health_components_daily), with the renewal's outcome and the account's segment and CSM. The page
-- reads these rows by look-back and due date instead of looking every renewal's day up in the
-- weights view, or joining its decided renewals, per page view.
{{ config(indexes=[{'columns': ['lead_days', 'due_date']}] if target.type == 'postgres' else []) }}

with looked as (
    select renewal_id, account_id, due_date, lead_days, looked_on, health_day, outcome, segment, csm_id
    from {{ ref('score_check_renewal_scores') }}
    where health_day is not null
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
       c.score, c.component, c.value, c.weight, l.outcome, l.segment, l.csm_id
from looked as l
inner join components as c on c.account_id = l.account_id and c.day = l.health_day
