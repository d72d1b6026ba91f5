-- arr_changes_daily tells each account's ARR as contract_terms does. For every quarter up to the
-- as-of day and every account: the mart's changes in the quarter sum to the difference between
-- contract_terms' ARR at the close of the quarter's last day and at the close of the day before it
-- (macro carries_arr_at_close), the row holding at the quarter's close carries that ARR, and a
-- churn is in the quarter exactly when a churned term's last day is. And each row starts where the
-- account's row before it ended (0 for its first) and records a change or a churn. Returns the
-- quarters, accounts and rows that break it.
with periods as (
    select quarter_start, opening, closing from {{ ref('int_quarters_to_as_of') }}
),

from_terms as (
    select
        p.quarter_start, t.account_id,
        sum(case when {{ carries_arr_at_close('t', 'p.opening') }} then t.arr else 0 end) as start_arr,
        sum(case when {{ carries_arr_at_close('t', 'p.closing') }} then t.arr else 0 end) as end_arr,
        max(case when t.churned and t.carries_arr_through > p.opening and t.carries_arr_through <= p.closing
                 then 1 else 0 end) as churned_in_period
    from periods as p
    inner join {{ ref('contract_terms') }} as t
        on t.carries_arr_from <= p.closing and t.carries_arr_through >= p.opening
    group by p.quarter_start, t.account_id
),

from_changes as (
    select
        p.quarter_start, c.account_id,
        sum(case when c.day > p.opening then c.arr_after - c.arr_before else 0 end) as changed_by,
        sum(case when c.next_change_day is null or c.next_change_day > p.closing then c.arr_after else 0 end)
            as end_arr,
        max(case when c.churned and c.day > p.opening then 1 else 0 end) as churned_in_period
    from periods as p
    inner join {{ ref('arr_changes_daily') }} as c
        on c.day <= p.closing and (c.next_change_day is null or c.next_change_day > p.opening)
    group by p.quarter_start, c.account_id
),

quarters_that_disagree as (
    select
        coalesce(t.quarter_start, c.quarter_start) as quarter_start,
        coalesce(t.account_id, c.account_id) as account_id,
        cast(null as date) as day
    from from_terms as t
    full outer join from_changes as c on c.quarter_start = t.quarter_start and c.account_id = t.account_id
    where abs(coalesce(c.changed_by, 0) - (coalesce(t.end_arr, 0) - coalesce(t.start_arr, 0))) >= 0.005
       or abs(coalesce(c.end_arr, 0) - coalesce(t.end_arr, 0)) >= 0.005
       or coalesce(c.churned_in_period, 0) <> coalesce(t.churned_in_period, 0)
),

chained as (
    select
        account_id, day, arr_before, arr_after, churned, previous_change_day, next_change_day,
        lag(arr_after) over (partition by account_id order by day) as previous_arr_after,
        lag(day) over (partition by account_id order by day) as preceding_day,
        lead(day) over (partition by account_id order by day) as following_day
    from {{ ref('arr_changes_daily') }}
),

rows_that_break as (
    select cast(null as date) as quarter_start, account_id, day
    from chained
    where abs(arr_before - coalesce(previous_arr_after, 0)) >= 0.005
       or (arr_before = arr_after and not churned)
       or coalesce(next_change_day, day) <> coalesce(following_day, day)
       or coalesce(previous_change_day, day) <> coalesce(preceding_day, day)
)

select * from quarters_that_disagree
union all
select * from rows_that_break
