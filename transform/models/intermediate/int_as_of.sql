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

select
    as_of,
    {{ add_days('as_of', -7) }} as as_of_minus_7,
    {{ add_days('as_of', -28) }} as as_of_minus_28,
    {{ add_days('as_of', -30) }} as as_of_minus_30,
    {{ add_days('as_of', -35) }} as as_of_minus_35,
    {{ add_days('as_of', -90) }} as as_of_minus_90,
    {{ add_days('as_of', -97) }} as as_of_minus_97,
    {{ add_days('as_of', -120) }} as as_of_minus_120,
    {{ add_days('as_of', -187) }} as as_of_minus_187,
    cast({{ dbt.date_trunc('quarter', 'as_of') }} as date) as quarter_start
from day
