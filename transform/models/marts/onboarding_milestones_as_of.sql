-- One row per onboarding milestone of a term started by the as-of day, as it stood on that day:
-- a completion dated after the as-of day is not known yet on it, so the milestone counts as not
-- done (completed_date null). Facts only: its state (on time, late, overdue, not due) is the app's
-- definitions.milestone_state. The account page, the Onboarding page and the onboarding signals
-- read milestones here, never the contract's table.
{{ config(indexes=[{'columns': ['contract_id']}, {'columns': ['account_id']}] if target.type == 'postgres' else []) }}

-- With the term's start (the signing cohort) and the account's CSM and segment, so the Onboarding
-- page groups cohorts and applies the who-filters from this table alone.
with milestones as (
    select
        m.account_id,
        m.contract_id,
        m.milestone,
        m.day_offset,
        m.due_date,
        case when m.completed_date <= s.as_of then m.completed_date end as completed_date,
        t.start_date as term_start,
        cast({{ dbt.date_trunc('month', 't.start_date') }} as date) as cohort_month,
        cast({{ dbt.date_trunc('quarter', 't.start_date') }} as date) as cohort_quarter,
        a.csm_id,
        a.segment
    from {{ ref('stg_onboarding_milestones') }} as m
    inner join {{ ref('contract_terms') }} as t on t.contract_id = m.contract_id
    inner join {{ ref('stg_accounts') }} as a on a.account_id = m.account_id
    cross join {{ ref('int_as_of') }} as s
)

-- first_in_month / first_in_quarter: the account's first row of this milestone among its terms
-- started in the same cohort (an account won back twice in a quarter has two). The Onboarding
-- page counts each cohort's accounts by summing them: a count of distinct accounts sorted 490k
-- rows per page view at 200k accounts. An account has one CSM and segment, so the sum stays exact
-- under the who-filters.
-- is_next_open: the term's open milestone due first by its day offset (the one a CSM works on
-- next): the Onboarding page's list of accounts in onboarding reads it instead of ranking each
-- account's milestones per page view (a sort of 500k rows at 1M accounts).
select
    *,
    completed_date is null
        and row_number() over (partition by contract_id, completed_date is null
                               order by day_offset, milestone) = 1 as is_next_open,
    row_number() over (partition by account_id, milestone, cohort_month
                       order by term_start, contract_id) = 1 as first_in_month,
    row_number() over (partition by account_id, milestone, cohort_quarter
                       order by term_start, contract_id) = 1 as first_in_quarter
from milestones
