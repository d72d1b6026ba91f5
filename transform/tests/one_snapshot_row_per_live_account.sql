-- Every account with a term carrying ARR on the as-of day has exactly one snapshot row, and that
-- row is live with the term's ARR; no other account is live. Returns the accounts that break it.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

carrying as (
    select t.account_id, sum(t.arr) as arr
    from {{ ref('contract_terms') }} as t
    cross join as_of as d
    where t.carries_arr_from <= d.as_of and t.carries_arr_through >= d.as_of
    group by t.account_id
),

snapshot as (
    select
        account_id,
        count(*) as snapshot_rows,
        sum(case when is_live then 1 else 0 end) as live_rows,
        sum(arr) as arr
    from {{ ref('account_snapshot') }}
    group by account_id
)

select coalesce(c.account_id, s.account_id) as account_id, c.arr as arr_carried, s.snapshot_rows, s.live_rows,
       s.arr as snapshot_arr
from carrying as c
full outer join snapshot as s on s.account_id = c.account_id
where (c.account_id is not null and (s.snapshot_rows is null or s.snapshot_rows <> 1 or s.live_rows <> 1
                                     or abs(s.arr - c.arr) >= 0.005))
   or (c.account_id is null and s.live_rows > 0)
