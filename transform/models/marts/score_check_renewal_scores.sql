-- One row per decided renewal due by the as-of day and look-back the Score check offers (var
-- cs_cockpit_score_check_lead_days: N days before due), with its outcome, ARR, the account's
-- segment and CSM, and the score it was judged by: the account's latest weekly snapshot on or
-- before the look day, at most cs_cockpit_score_check_score_max_age_days - 1 days older (health_day
-- and score null when it had none). Every statement of the Score check starts from these rows,
-- read by look-back and due date (their index), with no join; score_check_renewal_health adds the
-- day's components for what needs them (the what-if, the component spreads).
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
)

select d.renewal_id, d.account_id, d.due_date, d.lead_days, d.looked_on, l.health_day, h.score,
       d.outcome, d.arr_up, d.arr_renewed, d.segment, d.csm_id
from decided as d
left join looked as l on l.renewal_id = d.renewal_id and l.lead_days = d.lead_days
left join {{ ref('stg_health_scores') }} as h on h.account_id = l.account_id and h.day = l.health_day
