-- Per month of sending, the account's CSM and segment, and the answer given (null: not answered):
-- how many surveys, up to the as-of day. The NPS page reads the whole months of its period from
-- here and only the ragged days at its edges from nps_responses, so a year of NPS at 200k accounts
-- sums a few hundred thousand grouped rows instead of joining 750k surveys to the book. The
-- scores stay as given: promoter and detractor are the app's rules (queries/definitions.py).
{{ config(indexes=[{'columns': ['month']}] if target.type == 'postgres' else []) }}

select
    cast({{ dbt.date_trunc('month', 'r.sent_at') }} as date) as month,
    a.csm_id,
    a.segment,
    r.score,
    count(*) as surveys
from {{ ref('stg_nps_responses') }} as r
inner join {{ ref('stg_accounts') }} as a on a.account_id = r.account_id
cross join {{ ref('int_as_of') }} as d
where cast(r.sent_at as date) <= d.as_of
group by 1, 2, 3, 4
