-- The NPS page adds whole months from nps_monthly to edge days from nps_surveys: per month, CSM,
-- segment and score, the two count the same surveys sent up to the as-of day. Each mart's counts
-- go in with opposite signs (grouping treats missing CSMs and scores as equal, as a join would
-- not); returns each group where they do not cancel out.
with signed as (
    select month, csm_id, segment, score, surveys
    from {{ ref('nps_monthly') }}
    union all
    select cast({{ dbt.date_trunc('month', 's.sent_at') }} as date), s.csm_id, s.segment, s.score, -1
    from {{ ref('nps_surveys') }} as s
    cross join {{ ref('int_as_of') }} as d
    where cast(s.sent_at as date) <= d.as_of
)
select month, csm_id, segment, score
from signed
group by month, csm_id, segment, score
having sum(surveys) <> 0
