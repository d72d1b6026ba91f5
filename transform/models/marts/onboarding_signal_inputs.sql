-- One row per account whose current relationship's onboarding has missed a milestone or has a
-- go-live milestone: the facts the app's onboarding signals (milestone_overdue, go_live_slipped
-- in queries/signals.py) compare with their thresholds, so a page counts them from this small
-- table instead of joining milestones and surveys for every account in scope. Facts only: the
-- onboarding window and the survey bar are the app's (queries/definitions.py).
-- A milestone is missed when it is not completed by the as-of day and its due date is before it
-- (the app's milestone_state 'overdue', over onboarding_milestones_as_of, where a completion after
-- the as-of day is not yet known); a survey "after" a date is answered after it, by the as-of day.
{{ config(indexes=[{'columns': ['account_id'], 'unique': True}] if target.type == 'postgres' else []) }}

with snapshot as (
    select account_id, onboarding_contract_id, as_of
    from {{ ref('account_snapshot') }}
    where onboarding_contract_id is not null
),

milestones as (
    select s.account_id, s.as_of, m.milestone, m.due_date, m.completed_date
    from snapshot as s
    inner join {{ ref('onboarding_milestones_as_of') }} as m on m.contract_id = s.onboarding_contract_id
),

per_account as (
    select
        account_id,
        max(case when completed_date is null and due_date < as_of then due_date end) as latest_missed_due_date,
        max(case when milestone = 'go_live' then due_date end) as go_live_due_date,
        max(case when milestone = 'go_live' then completed_date end) as go_live_completed_date
    from milestones
    group by account_id
),

surveys as (
    select v.account_id, v.answered_on, v.score
    from {{ ref('stg_onboarding_surveys') }} as v
    cross join {{ ref('int_as_of') }} as s
    where v.answered_on <= s.as_of
),

best_after as (
    -- the best onboarding survey answered after the latest missed due date, and after the go-live's
    select
        p.account_id,
        max(case when v.answered_on > p.latest_missed_due_date then v.score end) as best_survey_after_latest_miss,
        max(case when v.answered_on > p.go_live_due_date then v.score end) as best_survey_after_go_live_due
    from per_account as p
    inner join surveys as v on v.account_id = p.account_id
    group by p.account_id
)

select
    p.account_id,
    p.latest_missed_due_date,
    b.best_survey_after_latest_miss,
    p.go_live_due_date,
    p.go_live_completed_date,
    b.best_survey_after_go_live_due
from per_account as p
left join best_after as b on b.account_id = p.account_id
where p.latest_missed_due_date is not null or p.go_live_due_date is not null
