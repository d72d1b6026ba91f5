-- One row per account and health component of the account's latest score by the as-of day, with
-- the weight it carries (spread as in health_components_daily). The account page's breakdown and
-- the snapshot's health_drag read it.
with newest as (
    select h.account_id, max(h.day) as day
    from {{ ref('stg_health_scores') }} as h
    cross join {{ ref('int_as_of') }} as s
    where h.day <= s.as_of
    group by h.account_id
)

select
    c.account_id, c.day as health_day, c.score, c.component, c.label, c.description, c.weight, c.value,
    c.effective_weight, c.points, c.points_lost
from {{ ref('health_components_daily') }} as c
inner join newest as n on n.account_id = c.account_id and n.day = c.day
