-- The NPS rollup loses and invents no survey: per month, its surveys and answers add up to
-- nps_responses' own (sent up to the as-of day, by accounts on the contract). Returns each month
-- where they differ.
with raw as (
    select cast({{ dbt.date_trunc('month', 'r.sent_at') }} as date) as month, count(*) as surveys,
           count(r.score) as answered
    from {{ ref('stg_nps_responses') }} as r
    inner join {{ ref('stg_accounts') }} as a on a.account_id = r.account_id
    cross join {{ ref('int_as_of') }} as d
    where cast(r.sent_at as date) <= d.as_of
    group by 1
),
rolled as (
    select month, sum(surveys) as surveys, sum(case when score is not null then surveys else 0 end) as answered
    from {{ ref('nps_monthly') }}
    group by month
)
select coalesce(raw.month, rolled.month) as month
from raw
full outer join rolled on rolled.month = raw.month
where raw.surveys is distinct from rolled.surveys or raw.answered is distinct from rolled.answered
