-- The renewals rollup loses and invents no renewal: per month of the due date and outcome, its
-- renewals and ARR add up to renewals_as_of's own. Returns each month and outcome where they differ.
with raw as (
    select cast({{ dbt.date_trunc('month', 'due_date') }} as date) as month, outcome, count(*) as renewals,
           sum(arr_up) as arr_up, sum(arr_renewed) as arr_renewed, sum(arr_kept) as arr_kept
    from {{ ref('renewals_as_of') }}
    group by 1, 2
),
rolled as (
    select month, outcome, sum(renewals) as renewals, sum(arr_up) as arr_up,
           sum(arr_renewed) as arr_renewed, sum(arr_kept) as arr_kept
    from {{ ref('renewals_monthly') }}
    group by 1, 2
)
select coalesce(raw.month, rolled.month) as month, coalesce(raw.outcome, rolled.outcome) as outcome
from raw
full outer join rolled on rolled.month = raw.month and rolled.outcome is not distinct from raw.outcome
where raw.renewals is distinct from rolled.renewals or raw.arr_up is distinct from rolled.arr_up
   or raw.arr_renewed is distinct from rolled.arr_renewed or raw.arr_kept is distinct from rolled.arr_kept
