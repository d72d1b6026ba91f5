-- Accounts grouped by the quarter their first contract started, followed every three months from
-- each account's own start: how many were observed (that old by the as-of day), how many were
-- live, and their ARR, per CSM and segment so the app can filter on who.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

firsts as (
    select account_id, min(start_date) as first_start
    from {{ ref('contract_terms') }}
    where term_type = 'new'
    group by account_id
),

steps as (
    -- 0, 3, ... 36 months
    select (generated_number - 1) * 3 as months from ({{ dbt.generate_series(13) }}) as g
),

points as (
    select
        f.account_id,
        cast({{ dbt.date_trunc('quarter', 'f.first_start') }} as date) as cohort,
        g.months,
        cast({{ dbt.dateadd('month', 'g.months', 'f.first_start') }} as date) as day
    from firsts as f
    cross join steps as g
),

observed as (
    select p.cohort, p.months, p.account_id, coalesce(sum(t.arr), 0) as arr
    from points as p
    cross join as_of as s
    left join {{ ref('contract_terms') }} as t
        on t.account_id = p.account_id and t.carries_arr_from <= p.day and t.carries_arr_through >= p.day
    where p.day <= s.as_of
    group by p.cohort, p.months, p.account_id
)

select
    o.cohort, o.months, a.csm_id, a.segment,
    count(*) as accounts_observed,
    sum(case when o.arr > 0 then 1 else 0 end) as accounts_live,
    sum(o.arr) as arr
from observed as o
inner join {{ ref('stg_accounts') }} as a on a.account_id = o.account_id
group by o.cohort, o.months, a.csm_id, a.segment
