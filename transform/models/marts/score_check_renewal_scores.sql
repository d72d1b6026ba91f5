-- One row per decided renewal due by the as-of day and look-back the Score check offers (var
-- cs_cockpit_score_check_lead_days: N days before due), with its outcome, ARR, the account's
-- segment and CSM, and the score it was judged by: the account's latest weekly snapshot on or
-- before the look day, at most cs_cockpit_score_check_score_max_age_days - 1 days older (health_day
-- and score null when it had none), the latest champion departure and business event before the
-- due date, and the latest detractor answer that still stood on the window's first day or when it
-- was given (see below). Every statement of the Score check starts from these rows,
-- read by look-back and due date (their index), with no join; score_check_renewal_health adds the
-- day's components for what needs them (the what-if, the component spreads).
{{ config(indexes=[{'columns': ['lead_days', 'due_date']}] if target.type == 'postgres' else []) }}

with decided as (
    select * from {{ ref('int_score_check_windows') }}
),

looked as (
    select d.renewal_id, d.account_id, d.due_date, d.lead_days, d.looked_on, max(h.day) as health_day
    from decided as d
    inner join {{ ref('stg_health_scores') }} as h on h.account_id = d.account_id
        and h.day <= d.looked_on
        and h.day > {{ add_days('d.looked_on', 0 - (var('cs_cockpit_score_check_score_max_age_days') | int)) }}
    group by d.renewal_id, d.account_id, d.due_date, d.lead_days, d.looked_on
),

renewals as (
    select distinct renewal_id, account_id, due_date from decided
),

-- The latest day before the due date a champion or tier-S contact left (as the snapshot's
-- last_champion_left_on), and the latest business event: the champion-left and business-change
-- rules held on some day of a window exactly when that day falls in the rule's reach of the window.
champions_left as (
    select r.renewal_id, max(c.left_at) as last_champion_left_before_due
    from renewals as r
    inner join {{ ref('stg_contacts') }} as c on c.account_id = r.account_id
    where (c.is_champion or c.tier = 'S') and c.left_at < r.due_date
    group by r.renewal_id
),

business_changes as (
    select r.renewal_id, max(e.occurred_on) as last_business_change_before_due
    from renewals as r
    inner join {{ ref('stg_business_events') }} as e on e.account_id = r.account_id
    where e.occurred_on < r.due_date
    group by r.renewal_id
),

-- Each contact's answers in order, with the day of their next answer: an answer stands until then.
answers as (
    select account_id, score, responded_on,
           lead(responded_on) over (partition by account_id, contact_email
                                    order by responded_at, survey_id) as next_answer_on
    from {{ ref('stg_nps_responses') }}
    where score is not null
),

-- The latest detractor answer given before the due date that was still its contact's latest on
-- the later of its own day and the window's first day: the detractor rule held on some day of the
-- window exactly when that answer is recent enough on that day (the app's window, queries/score_check.py).
detractors_standing as (
    select d.renewal_id, d.lead_days, max(a.responded_on) as last_standing_detractor_before_due
    from decided as d
    inner join answers as a on a.account_id = d.account_id
    where a.score <= {{ var('cs_cockpit_detractor_up_to') }} and a.responded_on < d.due_date
      and (a.next_answer_on is null
           or a.next_answer_on > case when a.responded_on > d.looked_on then a.responded_on else d.looked_on end)
    group by d.renewal_id, d.lead_days
)

select d.renewal_id, d.account_id, d.due_date, d.lead_days, d.looked_on, l.health_day, h.score,
       d.outcome, d.arr_up, d.arr_renewed, d.arr_kept, d.segment, d.csm_id,
       cl.last_champion_left_before_due, bc.last_business_change_before_due,
       ds.last_standing_detractor_before_due
from decided as d
left join looked as l on l.renewal_id = d.renewal_id and l.lead_days = d.lead_days
left join {{ ref('stg_health_scores') }} as h on h.account_id = l.account_id and h.day = l.health_day
left join champions_left as cl on cl.renewal_id = d.renewal_id
left join business_changes as bc on bc.renewal_id = d.renewal_id
left join detractors_standing as ds on ds.renewal_id = d.renewal_id and ds.lead_days = d.lead_days
