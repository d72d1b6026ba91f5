-- One row per account as of the as-of day: what the pages need about the present, and the usage
-- measures of 90 days earlier (activity tier movement). Facts only, no thresholds: bands, tiers,
-- stages and signals are the app's definitions (queries/definitions.py) over these columns.
-- It carries the account's own columns (name, segment, CSM) too: every page reads the book from
-- this one table, and joining `accounts` back cost each statement a second hash of 270k rows on
-- PostgreSQL (0.1 s at 200k accounts, more than reading the snapshot itself).
-- The health_score and arr indexes serve the lists that show the lowest health or the largest ARR
-- first: PostgreSQL reads the book in that order and stops at the list's length (0.9 s to 14 ms at
-- 1M accounts), where it used to sort the whole book.
{{ config(indexes=[{'columns': ['account_id'], 'unique': True}, {'columns': ['as_of']}, {'columns': ['csm_id']},
                   {'columns': ['health_score']}, {'columns': ['arr']}]
                  if target.type == 'postgres' else []) }}

with as_of as (
    select * from {{ ref('int_as_of') }}
),

terms as (
    select
        t.*,
        row_number() over (partition by t.account_id order by t.start_date desc) as recency
    from {{ ref('contract_terms') }} as t
),

relationship as (
    -- the newest new or win-back term starts the customer's current relationship and its onboarding
    select account_id, contract_id as onboarding_contract_id, start_date as customer_since
    from (
        select
            account_id, contract_id, start_date,
            row_number() over (partition by account_id order by start_date desc) as recency
        from {{ ref('contract_terms') }}
        where starts_relationship
    ) as starts
    where recency = 1
),

open_renewals as (
    -- open on the as-of day as contract_terms decides it (renewal_open), once: renewals_open
    select
        r.account_id, r.renewal_id, r.due_date, r.stage, r.forecast,
        row_number() over (partition by r.account_id order by r.due_date) as position
    from {{ ref('renewals_open') }} as r
),

churns as (
    select r.account_id, max(r.closed_date) as churned_on
    from {{ ref('renewals_as_of') }} as r
    where r.outcome = 'churned'
    group by r.account_id
),

health as (
    select h.*
    from {{ ref('stg_health_scores') }} as h
    cross join as_of as s
    where h.day <= s.as_of
),

health_latest as (
    select
        h.account_id, h.day as health_day, h.score as health_score, h.usage_score, h.sentiment_score,
        h.support_score, h.engagement_score, h.onboarding_score
    from health as h
    inner join (
        select account_id, max(day) as day from health group by account_id
    ) as newest on newest.account_id = h.account_id and newest.day = h.day
),

health_drag as (
    -- the component that costs the latest score the most points
    select account_id, label as health_drag, points_lost as health_drag_points
    from (
        select
            account_id, label, points_lost,
            row_number() over (partition by account_id order by points_lost desc, label) as drag_rank
        from {{ ref('health_components_latest') }}
        where value is not null
    ) as ranked
    where drag_rank = 1
),

health_4w_ago as (
    select h.account_id, h.score as health_score_4w_ago
    from health as h
    cross join as_of as s
    where h.day = s.as_of_minus_28
),

usage as (
    -- one scan: the measures as of the snapshot, and the same measures 90 days earlier. Means are
    -- doubles, as DuckDB's avg gives: PostgreSQL's numeric made every rule and tier over them
    -- three times slower to evaluate.
    select
        u.account_id,
        cast(avg(case when u.day > s.as_of_minus_recent then u.key_events end) as double precision) as key_events_7d,
        cast(avg(case when u.day <= s.as_of_minus_recent and u.day > s.as_of_minus_usage_reach then u.key_events end) as double precision)
            as key_events_baseline,
        cast(avg(case when u.day > s.as_of_minus_seat_window and u.is_weekday then u.active_users end) as double precision) as weekday_active_users_30d,
        cast(avg(case when u.day > s.as_of_minus_recent and u.is_weekday then u.active_users end) as double precision) as weekday_active_users_7d,
        cast(avg(case when u.day <= s.as_of_minus_recent and u.day > s.as_of_minus_drop_reach and u.is_weekday
            then u.active_users end) as double precision) as weekday_active_users_prev_28d,
        max(case when u.day > s.as_of_minus_seat_window then u.licensed_seats end) as licensed_seats_30d,
        max(case when u.active_users > 0 and u.day > s.as_of_minus_usage_reach then u.day end) as last_active_day,
        cast(avg(case when u.day > s.as_of_minus_90_seat_window and u.day <= s.as_of_minus_90 and u.is_weekday
            then u.active_users end) as double precision) as weekday_active_users_30d_90d_ago,
        max(case when u.day > s.as_of_minus_90_seat_window and u.day <= s.as_of_minus_90 then u.licensed_seats end)
            as licensed_seats_30d_90d_ago,
        max(case when u.active_users > 0 and u.day <= s.as_of_minus_90 then u.day end) as last_active_day_90d_ago
    from {{ ref('stg_usage_daily') }} as u
    cross join as_of as s
    where u.day > s.as_of_minus_90_usage_reach and u.day <= s.as_of
    group by u.account_id
),

live_90d_ago as (
    select distinct t.account_id
    from {{ ref('contract_terms') }} as t
    cross join as_of as s
    where t.carries_arr_from <= s.as_of_minus_90 and t.carries_arr_through >= s.as_of_minus_90
),

tickets as (
    -- capped at the as-of day: a newer ticket is not yet known on it
    select
        t.account_id,
        sum(case when t.opened_on > s.as_of_minus_recent then 1 else 0 end) as tickets_7d,
        sum(case when t.opened_on > s.as_of_minus_30 then 1 else 0 end) as tickets_30d,
        sum(case when t.closed_on is null or t.closed_on > s.as_of then 1 else 0 end) as open_tickets
    from {{ ref('stg_support_tickets') }} as t
    cross join as_of as s
    where t.opened_on <= s.as_of
      and (t.opened_on > s.as_of_minus_30 or t.closed_on is null or t.closed_on > s.as_of)
    group by t.account_id
),

touches as (
    -- the last touch of any kind, the last conversation, and the business reviews and on-site
    -- visits since the quarter began
    select
        t.account_id,
        max(t.happened_at) as last_touch_at,
        max(case when t.is_conversation then t.happened_at end) as last_conversation_at,
        sum(case when t.kind = 'business_review' and t.happened_on >= s.quarter_start then 1 else 0 end)
            as business_reviews_qtd,
        sum(case when t.kind = 'onsite_visit' and t.happened_on >= s.quarter_start then 1 else 0 end)
            as onsite_visits_qtd
    from {{ ref('stg_cs_activities') }} as t
    cross join as_of as s
    where t.happened_on <= s.as_of
    group by t.account_id
),

nps_latest as (
    select account_id, score as last_nps_score, responded_at as last_nps_at
    from {{ ref('nps_latest_by_contact') }}
    where account_recency = 1
),

-- The latest day of each event the app's detail signals look for; the app compares it with the
-- signal's window (queries/signals.py), so no page view scans these tables for the whole book.
-- Two rules' bars reach dbt as vars, as the windows do: what a detractor is, and a weak first week.
detractor_answers as (
    -- any contact's latest answer, not only the account's newest
    select account_id, max(responded_on) as last_detractor_answer_on
    from {{ ref('nps_latest_by_contact') }}
    where score <= {{ var('cs_cockpit_detractor_up_to') }}
    group by account_id
),

champions_left as (
    select c.account_id, max(c.left_at) as last_champion_left_on
    from {{ ref('stg_contacts') }} as c
    cross join as_of as s
    where (c.is_champion or c.tier = 'S') and c.left_at <= s.as_of
    group by c.account_id
),

business_changes as (
    select e.account_id, max(e.occurred_on) as last_business_change_on
    from {{ ref('stg_business_events') }} as e
    cross join as_of as s
    where e.occurred_on <= s.as_of
    group by e.account_id
),

weak_new_users as (
    -- users whose first week has ended by the as-of day and who viewed fewer pages in it than the bar
    select u.account_id, max(u.created_on) as last_weak_new_user_on
    from {{ ref('stg_user_activations') }} as u
    cross join as_of as s
    where u.page_views_first_7d < {{ var('cs_cockpit_weak_new_user_views_below') }}
      and u.created_on <= {{ add_days('s.as_of', -var('cs_cockpit_new_user_first_week_days')) }}
    group by u.account_id
)

select
    a.account_id,
    a.name,
    a.industry,
    a.segment,
    a.plan,
    a.csm_id,
    s.as_of,
    r.customer_since,
    r.onboarding_contract_id,
    t.contract_id,
    t.start_date as term_start,
    t.end_date as term_end,
    -- live: the current term carries ARR on the as-of day (inside it, or its renewal still open)
    coalesce(t.carries_arr_through >= s.as_of, false) as is_live,
    case when t.carries_arr_through >= s.as_of then t.arr else 0 end as arr,
    t.seats,
    ch.churned_on,
    o.renewal_id as open_renewal_id,
    o.due_date as renewal_due_date,
    o.stage as renewal_stage,
    o.forecast as renewal_forecast,
    hl.health_score,
    hl.health_day,
    hl.usage_score,
    hl.sentiment_score,
    hl.support_score,
    hl.engagement_score,
    hl.onboarding_score,
    hd.health_drag,
    hd.health_drag_points,
    h4.health_score_4w_ago,
    u.key_events_7d,
    u.key_events_baseline,
    u.weekday_active_users_30d,
    u.weekday_active_users_7d,
    u.weekday_active_users_prev_28d,
    u.licensed_seats_30d,
    u.last_active_day,
    l90.account_id is not null as is_live_90d_ago,
    u.weekday_active_users_30d_90d_ago,
    u.licensed_seats_30d_90d_ago,
    u.last_active_day_90d_ago,
    coalesce(tk.tickets_7d, 0) as tickets_7d,
    coalesce(tk.tickets_30d, 0) as tickets_30d,
    coalesce(tk.open_tickets, 0) as open_tickets,
    n.last_nps_score,
    n.last_nps_at,
    tc.last_touch_at,
    tc.last_conversation_at,
    coalesce(tc.business_reviews_qtd, 0) as business_reviews_qtd,
    coalesce(tc.onsite_visits_qtd, 0) as onsite_visits_qtd,
    da.last_detractor_answer_on,
    cl.last_champion_left_on,
    bc.last_business_change_on,
    wn.last_weak_new_user_on
from {{ ref('stg_accounts') }} as a
cross join as_of as s
left join terms as t on t.account_id = a.account_id and t.recency = 1
left join relationship as r on r.account_id = a.account_id
left join open_renewals as o on o.account_id = a.account_id and o.position = 1
left join churns as ch on ch.account_id = a.account_id
left join health_latest as hl on hl.account_id = a.account_id
left join health_drag as hd on hd.account_id = a.account_id
left join health_4w_ago as h4 on h4.account_id = a.account_id
left join usage as u on u.account_id = a.account_id
left join live_90d_ago as l90 on l90.account_id = a.account_id
left join tickets as tk on tk.account_id = a.account_id
left join nps_latest as n on n.account_id = a.account_id
left join touches as tc on tc.account_id = a.account_id
left join detractor_answers as da on da.account_id = a.account_id
left join champions_left as cl on cl.account_id = a.account_id
left join business_changes as bc on bc.account_id = a.account_id
left join weak_new_users as wn on wn.account_id = a.account_id
