-- One row per account and day its ARR at the close of the day differs from the close of the day
-- before, or a term of it churns (its ARR gone at the close of its last day, even when a term
-- starting that day brings as much back), through the as-of day: the ARR before and after, and the
-- signing of the relationship the day belongs to. The ARR bridge and the CSM outcomes read ARR
-- here, never from contract_terms: an account's ARR at the close of any day is arr_after of its
-- row on or before that day whose next_change_day is after it (0 before its first row); the first
-- row of a period (previous_change_day before it) starts from the ARR before the period.
{{ config(indexes=[{'columns': ['account_id', 'day']}, {'columns': ['day']}]
                  if target.type == 'postgres' else []) }}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

terms as (
    select account_id, arr, churned, starts_relationship, start_date, carries_arr_from, carries_arr_through
    from {{ ref('contract_terms') }}
),

candidate_days as (
    -- ARR at the close can only change on a day a term starts carrying it, the last day of a churned
    -- term, or the day after another term's last day
    select account_id, carries_arr_from as day from terms
    union
    select
        account_id,
        case when churned then carries_arr_through else {{ add_days('carries_arr_through', 1) }} end as day
    from terms
),

per_day as (
    select
        c.account_id,
        c.day,
        coalesce(sum(case when {{ carries_arr_at_close('t', add_days('c.day', -1)) }} then t.arr end), 0)
            as arr_before,
        coalesce(sum(case when {{ carries_arr_at_close('t', 'c.day') }} then t.arr end), 0) as arr_after,
        max(case when t.churned and t.carries_arr_through = c.day then 1 else 0 end) = 1 as churned,
        max(case when t.starts_relationship then t.start_date end) as signed_on
    from candidate_days as c
    cross join as_of as s
    inner join terms as t on t.account_id = c.account_id and t.carries_arr_from <= c.day
    where c.day <= s.as_of
    group by c.account_id, c.day
),

changes as (
    select *
    from per_day
    where arr_after <> arr_before or churned
)

-- With the account's CSM and segment, so CSM outcomes credit and filter these rows without
-- joining the book (270k accounts at 200k) per view.
select
    c.account_id,
    c.day,
    c.arr_before,
    c.arr_after,
    c.churned,
    c.signed_on,
    lag(c.day) over (partition by c.account_id order by c.day) as previous_change_day,
    lead(c.day) over (partition by c.account_id order by c.day) as next_change_day,
    a.csm_id,
    a.segment
from changes as c
inner join {{ ref('stg_accounts') }} as a on a.account_id = c.account_id
