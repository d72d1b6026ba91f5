-- The NPS page adds whole months from nps_monthly to edge days from nps_surveys: per month, CSM,
-- segment and score, the two count the same surveys sent up to the as-of day. Returns each group
-- where they differ.
with surveys as (
    select cast({{ dbt.date_trunc('month', 's.sent_at') }} as date) as month, s.csm_id, s.segment,
           s.score, count(*) as surveys
    from {{ ref('nps_surveys') }} as s
    cross join {{ ref('int_as_of') }} as d
    where cast(s.sent_at as date) <= d.as_of
    group by 1, 2, 3, 4
)
select coalesce(s.month, m.month) as month
from surveys as s
full outer join {{ ref('nps_monthly') }} as m
    on m.month = s.month and m.csm_id is not distinct from s.csm_id
   and m.segment is not distinct from s.segment and m.score is not distinct from s.score
where s.surveys is distinct from m.surveys
