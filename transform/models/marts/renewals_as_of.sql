-- Every renewal as it stood on the as-of day: one row per renewal of the contract, its outcome,
-- renewed ARR and close date left empty when it was closed after that day (the CRM may already
-- know; the as-of day did not). The one home of "a renewal is decided": outcome is not null here.
-- contract_terms (open, churned), the snapshot's churn day, the score check and every app page
-- that counts renewals (rates, churn reasons, forecasts, CSM outcomes) read it, never renewals.
-- With the account's CSM and segment, so the rates and the Score check apply the who-filters to
-- these rows alone, without joining the book (270k accounts at 200k) per statement. renewals_monthly
-- sums these rows per month.
{{ config(indexes=[{'columns': ['account_id']}, {'columns': ['due_date']}, {'columns': ['contract_id']}]
                  if target.type == 'postgres' else []) }}

select
    r.renewal_id,
    r.account_id,
    r.contract_id,
    r.due_date,
    r.stage,
    r.forecast,
    r.arr_up,
    a.csm_id,
    a.segment,
    -- closed after the as-of day: still open then (a close with no date stands as recorded)
    case when r.closed_date > s.as_of then null else r.arr_renewed end as arr_renewed,
    case when r.closed_date > s.as_of then null else r.outcome end as outcome,
    -- the renewed ARR up to the ARR up for renewal (a term's expansion kept out): what GRR sums
    case when r.closed_date > s.as_of then null else least(r.arr_renewed, r.arr_up) end as arr_kept,
    case when r.closed_date > s.as_of then null else r.closed_date end as closed_date
from {{ ref('stg_renewals') }} as r
inner join {{ ref('stg_accounts') }} as a on a.account_id = r.account_id
cross join {{ ref('int_as_of') }} as s
