{{ config(indexes=[{'columns': ['account_id']}] if target.type == 'postgres' else []) }}
-- One row per account and health component of the account's latest score by the as-of day, with
-- the weight it carries (macro spread_health_weights, as in health_components_daily). The account
-- page's breakdown and the snapshot's health_drag read it. The latest scores are picked first, so
-- only they are unpivoted.
with newest as (
    select h.account_id, max(h.day) as day
    from {{ ref('stg_health_scores') }} as h
    cross join {{ ref('int_as_of') }} as s
    where h.day <= s.as_of
    group by h.account_id
),

latest as (
    select h.*
    from {{ ref('stg_health_scores') }} as h
    inner join newest as n on n.account_id = h.account_id and n.day = h.day
),

spread as (
    {{ spread_health_weights('latest') }}
)

select
    account_id, day as health_day, score, component, label, description, weight, value,
    effective_weight, points, points_lost
from spread
