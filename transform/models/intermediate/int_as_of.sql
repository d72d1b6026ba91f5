-- The day every mart describes, and the look-back windows measured from it: the `cs_cockpit_as_of`
-- var when set, else the newest health snapshot day. Facts dated after it never reach a mart.
{{ config(materialized='ephemeral') }}

with day as (
    {% if var('cs_cockpit_as_of') %}
    select cast('{{ var("cs_cockpit_as_of") }}' as date) as as_of
    {% else %}
    select max(day) as as_of from {{ ref('stg_health_scores') }}
    {% endif %}
)

{%- set recent = var('cs_cockpit_recent_days') | int -%}
{%- set baseline = var('cs_cockpit_usage_baseline_days') | int -%}
{%- set prior = var('cs_cockpit_sudden_drop_prior_days') | int -%}
{%- set seat_window = var('cs_cockpit_seat_window_days') | int -%}
{#- the furthest any usage measure looks back -#}
{%- set usage_reach = [recent + baseline, recent + prior, seat_window] | max %}
select
    as_of,
    -- the measures' windows (vars: the app's definitions)
    {{ add_days('as_of', -recent) }} as as_of_minus_recent,
    {{ add_days('as_of', -(recent + baseline)) }} as as_of_minus_usage_reach,
    {{ add_days('as_of', -(recent + prior)) }} as as_of_minus_drop_reach,
    {{ add_days('as_of', -seat_window) }} as as_of_minus_seat_window,
    -- the health change over 4 weeks, the tickets of a month, and tier movement over 90 days (the
    -- same windows, then)
    {{ add_days('as_of', -28) }} as as_of_minus_28,
    {{ add_days('as_of', -30) }} as as_of_minus_30,
    {{ add_days('as_of', -90) }} as as_of_minus_90,
    {{ add_days('as_of', -(90 + seat_window)) }} as as_of_minus_90_seat_window,
    {{ add_days('as_of', -(90 + usage_reach)) }} as as_of_minus_90_usage_reach,
    cast({{ dbt.date_trunc('quarter', 'as_of') }} as date) as quarter_start
from day
