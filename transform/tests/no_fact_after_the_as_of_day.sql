-- No fact dated after the as-of day reaches a mart: a mart describes one day, and a later load
-- of the daily tables must not leak into it. Returns every mart row that breaks the rule.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
)

select 'account_snapshot' as mart, s.account_id as row_key, 'as_of' as what
from {{ ref('account_snapshot') }} as s cross join as_of as d where s.as_of <> d.as_of
union all
select 'account_snapshot', s.account_id, 'a fact after as_of'
from {{ ref('account_snapshot') }} as s
where s.health_day > s.as_of or s.term_start > s.as_of or s.customer_since > s.as_of
   or s.churned_on > s.as_of or s.last_active_day > s.as_of or cast(s.last_nps_at as date) > s.as_of
   or cast(s.last_touch_at as date) > s.as_of or cast(s.last_conversation_at as date) > s.as_of
union all
select 'contract_terms', t.contract_id, 'starts after as_of'
from {{ ref('contract_terms') }} as t cross join as_of as d where t.start_date > d.as_of
union all
select 'nps_latest_by_contact', n.survey_id, 'answered after as_of'
from {{ ref('nps_latest_by_contact') }} as n cross join as_of as d where n.responded_on > d.as_of
union all
select 'health_components_latest', h.account_id, 'scored after as_of'
from {{ ref('health_components_latest') }} as h cross join as_of as d where h.health_day > d.as_of
union all
select 'health_weekly', 0, 'scored after as_of'
from {{ ref('health_weekly') }} as h cross join as_of as d where h.day > d.as_of
union all
select 'cohort_retention', 0, 'cohort after as_of'
from {{ ref('cohort_retention') }} as c cross join as_of as d where c.cohort > d.as_of
union all
select 'onboarding_signal_inputs', o.account_id, 'a miss on or after as_of'
from {{ ref('onboarding_signal_inputs') }} as o cross join as_of as d where o.latest_missed_due_date >= d.as_of
union all
select 'onboarding_milestones_as_of', o.contract_id, 'completed after as_of'
from {{ ref('onboarding_milestones_as_of') }} as o cross join as_of as d where o.completed_date > d.as_of
union all
select 'onboarding_signal_inputs', o.account_id, 'went live after as_of'
from {{ ref('onboarding_signal_inputs') }} as o cross join as_of as d where o.go_live_completed_date > d.as_of
union all
select 'renewals_as_of', r.renewal_id, 'closed after as_of'
from {{ ref('renewals_as_of') }} as r cross join as_of as d where r.closed_date > d.as_of
union all
select 'nps_monthly', 0, 'a survey month after as_of'
from {{ ref('nps_monthly') }} as n cross join as_of as d where n.month > d.as_of
union all
select 'cs_activity_daily', 0, 'an activity after as_of'
from {{ ref('cs_activity_daily') }} as a cross join as_of as d where a.day > d.as_of
union all
select 'usage_rolling_daily', u.account_id, 'used after as_of'
from {{ ref('usage_rolling_daily') }} as u cross join as_of as d where u.day > d.as_of
union all
select 'score_check_renewal_health', h.renewal_id, 'due or scored after as_of'
from {{ ref('score_check_renewal_health') }} as h cross join as_of as d
where h.due_date > d.as_of or h.health_day > d.as_of
union all
select 'support_tickets_daily', k.account_id, 'opened after as_of'
from {{ ref('support_tickets_daily') }} as k cross join as_of as d where k.day > d.as_of
