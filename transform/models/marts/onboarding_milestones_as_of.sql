-- One row per onboarding milestone of a term started by the as-of day, as it stood on that day:
-- a completion dated after the as-of day is not known yet on it, so the milestone counts as not
-- done (completed_date null). Facts only: its state (on time, late, overdue, not due) is the app's
-- definitions.milestone_state. The account page, the Onboarding page and the onboarding signals
-- read milestones here, never the contract's table.
{{ config(indexes=[{'columns': ['contract_id']}, {'columns': ['account_id']}] if target.type == 'postgres' else []) }}

-- With the term's start (the signing cohort) and the account's CSM and segment, so the Onboarding
-- page groups cohorts and applies the who-filters from this table alone.
select
    m.account_id,
    m.contract_id,
    m.milestone,
    m.day_offset,
    m.due_date,
    case when m.completed_date <= s.as_of then m.completed_date end as completed_date,
    t.start_date as term_start,
    a.csm_id,
    a.segment
from {{ ref('stg_onboarding_milestones') }} as m
inner join {{ ref('contract_terms') }} as t on t.contract_id = m.contract_id
inner join {{ ref('stg_accounts') }} as a on a.account_id = m.account_id
cross join {{ ref('int_as_of') }} as s
