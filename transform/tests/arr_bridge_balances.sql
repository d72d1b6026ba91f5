-- The ARR bridge balances to the dollar for every quarter and segment: start + new + expansion
-- - contraction - churn = end; each quarter starts where the one before ended; and a churned term
-- counts as a churn in the quarter its ARR stops (its end date inclusive, gone at the close of
-- that day: a term churning on a quarter's last day is a churn of that quarter, once).
-- Same convention as the app's bridge (queries/retention.py, over arr_changes_daily, which
-- arr_changes_daily_agrees_with_contract_terms holds to contract_terms). Returns the quarters and
-- segments that break it.
with periods as (
    select quarter_start, opening, closing from {{ ref('int_quarters_to_as_of') }}
),

per_account as (
    select
        p.quarter_start, a.segment, t.account_id,
        sum(case when {{ carries_arr_at_close('t', 'p.opening') }} then t.arr else 0 end) as start_arr,
        sum(case when {{ carries_arr_at_close('t', 'p.closing') }} then t.arr else 0 end) as end_arr,
        max(case when t.churned and t.carries_arr_through > p.opening and t.carries_arr_through <= p.closing
                 then 1 else 0 end) as churned_in_period
    from periods as p
    -- only the terms that carry ARR at some point of the period (or just before it) matter to it
    inner join {{ ref('contract_terms') }} as t
        on t.carries_arr_from <= p.closing and t.carries_arr_through >= p.opening
    inner join {{ source('contract', 'accounts') }} as a on a.account_id = t.account_id
    group by p.quarter_start, a.segment, t.account_id
),

classified as (
    select
        *,
        case when churned_in_period = 1 and start_arr > 0 and end_arr > 0 then 1 else 0 end as churned_and_back
    from per_account
),

bridge as (
    select
        quarter_start, segment,
        sum(start_arr) as start_arr,
        sum(case when (start_arr = 0 and end_arr > 0) or churned_and_back = 1 then end_arr else 0 end) as new_arr,
        sum(case when start_arr > 0 and end_arr > start_arr and churned_and_back = 0
                 then end_arr - start_arr else 0 end) as expansion,
        sum(case when start_arr > 0 and end_arr > 0 and end_arr < start_arr and churned_and_back = 0
                 then start_arr - end_arr else 0 end) as contraction,
        sum(case when (start_arr > 0 and end_arr = 0) or churned_and_back = 1 then start_arr else 0 end) as churn,
        sum(end_arr) as end_arr,
        sum(case when churned_in_period = 1 and start_arr > 0
                  and not ((start_arr > 0 and end_arr = 0) or churned_and_back = 1) then 1 else 0 end)
            as churns_not_counted
    from classified
    group by quarter_start, segment
),

chained as (
    select
        *,
        lag(end_arr) over (partition by segment order by quarter_start) as previous_end_arr
    from bridge
)

select *
from chained
where abs(start_arr + new_arr + expansion - contraction - churn - end_arr) >= 0.5
   or abs(start_arr - coalesce(previous_end_arr, start_arr)) >= 0.5
   or churns_not_counted > 0
