-- One row per account and health component of the account's latest score by the as-of day, with
-- the weight it carries: a component with no data is left out and its weight spread over the
-- others in proportion, never counted as zero. The account page and the snapshot's health_drag
-- read it.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

latest as (
    select h.*
    from {{ ref('stg_health_scores') }} as h
    inner join (
        select h.account_id, max(h.day) as day
        from {{ ref('stg_health_scores') }} as h
        cross join as_of as s
        where h.day <= s.as_of
        group by h.account_id
    ) as newest on newest.account_id = h.account_id and newest.day = h.day
),

parts as (
    select
        l.account_id, l.day as health_day, hc.component, hc.label, hc.description, hc.weight,
        case hc.component
            when 'usage_score' then l.usage_score
            when 'sentiment_score' then l.sentiment_score
            when 'support_score' then l.support_score
            when 'engagement_score' then l.engagement_score
            when 'onboarding_score' then l.onboarding_score
        end as value
    from latest as l
    cross join {{ ref('stg_health_components') }} as hc
),

weighted as (
    select
        p.*,
        sum(case when p.value is not null then p.weight end) over (partition by p.account_id) as weight_with_data
    from parts as p
)

select
    account_id, health_day, component, label, description, weight, value,
    case when value is null then 0 else weight / weight_with_data end as effective_weight,
    case when value is null then null else weight / weight_with_data * value end as points,
    case when value is null then null else weight / weight_with_data * (100 - value) end as points_lost
from weighted
