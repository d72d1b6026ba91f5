-- One row per account and usage day up to the as-of day, with the usage measures as they stood
-- on that day (the same windows account_snapshot takes on the as-of day alone): key events over
-- the last 7 days and over the 90-day baseline before them, weekday active users over the last 7
-- days and over the 28 before them. The score check judges the usage signal rules on every day
-- before a renewal from these rows, so no page computes rolling windows over usage_daily.
-- Windows are ranges of days (a day missing from usage_daily is missing from the average, never
-- a zero), over a day number so that engines without interval ranges order them too.
{{ config(indexes=[{'columns': ['account_id', 'day']}]
          if target.type == 'postgres' else []) }}

{%- set recent = var('cs_cockpit_recent_days') | int -%}
{%- set baseline = var('cs_cockpit_usage_baseline_days') | int -%}
{%- set prior = var('cs_cockpit_sudden_drop_prior_days') | int %}
with usage as (
    select
        u.account_id, u.day, u.key_events, u.active_users, u.is_weekday,
        {{ dbt.datediff("cast('2000-01-01' as date)", 'u.day', 'day') }} as day_number
    from {{ ref('stg_usage_daily') }} as u
    cross join {{ ref('int_as_of') }} as s
    where u.day <= s.as_of
)

select
    account_id,
    day,
    avg(key_events) over (partition by account_id order by day_number
        range between {{ recent - 1 }} preceding and current row) as key_events_7d,
    avg(key_events) over (partition by account_id order by day_number
        range between {{ recent + baseline - 1 }} preceding and {{ recent }} preceding) as key_events_baseline,
    avg(case when is_weekday then active_users end) over (partition by account_id order by day_number
        range between {{ recent - 1 }} preceding and current row) as weekday_active_users_7d,
    avg(case when is_weekday then active_users end) over (partition by account_id order by day_number
        range between {{ recent + prior - 1 }} preceding and {{ recent }} preceding) as weekday_active_users_prev_28d
from usage
