-- Per month of the due date, the account's CSM and segment, and the outcome on the as-of day (null:
-- still open): how many renewals, their ARR up for renewal, renewed and kept (renewals_as_of's rows,
-- summed). The Renewals page's rates and the Team page's CSM outcomes read the whole months of a
-- period from here and only the ragged days at its edges from renewals_as_of: a year of renewals at
-- 1M accounts is 850k rows there and a fraction of that here. The rates themselves are the app's
-- (queries/definitions.py), written over these sums.
{{ config(indexes=[{'columns': ['month']}] if target.type == 'postgres' else []) }}

select
    cast({{ dbt.date_trunc('month', 'r.due_date') }} as date) as month,
    r.csm_id,
    r.segment,
    r.outcome,
    count(*) as renewals,
    sum(r.arr_up) as arr_up,
    sum(r.arr_renewed) as arr_renewed,
    sum(r.arr_kept) as arr_kept
from {{ ref('renewals_as_of') }} as r
group by 1, 2, 3, 4
