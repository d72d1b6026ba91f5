-- One row per decided renewal due by the as-of day and look-back the Score check offers (var
-- cs_cockpit_score_check_lead_days: N days before due) whose account had a score on the look day:
-- the account's latest weekly snapshot on or before it, at most
-- cs_cockpit_score_check_score_max_age_days - 1 days older, and that score. The page's bands and
-- base rates read these, one row per renewal; score_check_renewal_health adds the day's components
-- for what needs them (the what-if, the component spreads).
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

select l.renewal_id, l.account_id, l.due_date, l.lead_days, l.looked_on, l.health_day, h.score
from looked as l
inner join {{ ref('stg_health_scores') }} as h on h.account_id = l.account_id and h.day = l.health_day
