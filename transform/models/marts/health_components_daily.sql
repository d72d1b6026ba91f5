{{ config(materialized='view') }}
-- One row per account, scored day and health component, with the weight the component carries
-- that day: a component with no data is left out and its weight spread over the others in
-- proportion, never counted as zero. The one home of that rule: the latest score's breakdown
-- (health_components_latest) and the account page's weekly history both read it. A view, because
-- the app reads one account at a time and the window's partition (account, day) lets both engines
-- push that filter down.
with parts as (
    select
        h.account_id, h.day, h.score, hc.component, hc.label, hc.description, hc.weight,
        case hc.component
            when 'usage_score' then h.usage_score
            when 'sentiment_score' then h.sentiment_score
            when 'support_score' then h.support_score
            when 'engagement_score' then h.engagement_score
            when 'onboarding_score' then h.onboarding_score
        end as value
    from {{ ref('stg_health_scores') }} as h
    cross join {{ ref('stg_health_components') }} as hc
),

weighted as (
    select
        p.*,
        sum(case when p.value is not null then p.weight end)
            over (partition by p.account_id, p.day) as weight_with_data
    from parts as p
)

select
    account_id, day, score, component, label, description, weight, value,
    case when value is null then 0 else weight / weight_with_data end as effective_weight,
    case when value is null then null else weight / weight_with_data * value end as points,
    case when value is null then null else weight / weight_with_data * (100 - value) end as points_lost
from weighted
