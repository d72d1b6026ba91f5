-- The weights the latest score's components carry add up to 1 wherever any component has data,
-- and the points add up to the score (a spread weight is never counted as zero). Returns the
-- accounts that break it.
select account_id, sum(effective_weight) as weight_carried, sum(points) as points, max(score) as score
from {{ ref('health_components_latest') }}
group by account_id
having count(value) > 0
   and (abs(sum(effective_weight) - 1) > 0.000001 or abs(sum(points) - max(score)) > 0.51)
