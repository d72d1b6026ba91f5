-- Per month of sending, the account's CSM and segment, and the answer given (null: not answered):
-- how many surveys, up to the as-of day. The NPS page reads the whole months of its period from
-- here and only the ragged days at its edges from nps_surveys, whose rows these are, grouped (one
-- home for the CSM and segment a survey counts under), so a year of NPS at 200k accounts sums a few
-- hundred thousand grouped rows instead of 750k surveys. The scores stay as given: promoter and
-- detractor are the app's rules (queries/definitions.py).
{{ config(indexes=[{'columns': ['month']}] if target.type == 'postgres' else []) }}

select
    cast({{ dbt.date_trunc('month', 's.sent_at') }} as date) as month,
    s.csm_id,
    s.segment,
    s.score,
    count(*) as surveys
from {{ ref('nps_surveys') }} as s
cross join {{ ref('int_as_of') }} as d
where cast(s.sent_at as date) <= d.as_of
group by 1, 2, 3, 4
