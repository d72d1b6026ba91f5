-- Reference rollups the warehouse keeps (a dbt model in production; the demo builds them here).
-- They hold facts only, no thresholds: the app's definitions (bands, tiers, stages) live in
-- queries/definitions.py and read these columns. Portable SQL: runs on PostgreSQL and DuckDB.

drop table if exists account_snapshot;

-- account_snapshot: one row per account, as of the newest health snapshot day.
create table account_snapshot as
with snapshot as (
    select max(day) as as_of from health_scores
),

terms as (
    select
        c.account_id, c.contract_id, c.start_date, c.end_date, c.arr, c.seats,
        row_number() over (partition by c.account_id order by c.start_date desc) as recency
    from contracts as c
    cross join snapshot as s
    where c.start_date <= s.as_of
),

relationship as (
    -- the newest new or win-back term starts the customer's current relationship
    select c.account_id, max(c.start_date) as customer_since
    from contracts as c
    cross join snapshot as s
    where c.term_type in ('new', 'winback') and c.start_date <= s.as_of
    group by c.account_id
),

open_renewals as (
    select
        account_id, contract_id, renewal_id, due_date, stage, forecast,
        row_number() over (partition by account_id order by due_date) as position
    from renewals
    where outcome is null
),

churns as (
    select account_id, max(closed_date) as churned_on
    from renewals
    where outcome = 'churned'
    group by account_id
),

health_latest as (
    select
        h.account_id, h.day as health_day, h.score as health_score, h.usage_score, h.sentiment_score,
        h.support_score, h.engagement_score, h.onboarding_score
    from health_scores as h
    inner join (
        select account_id, max(day) as day from health_scores group by account_id
    ) as newest on newest.account_id = h.account_id and newest.day = h.day
),

health_parts as (
    -- the latest score's components, one row each, with the warehouse's weights
    select
        hl.account_id, hc.label, hc.weight,
        case hc.component
            when 'usage_score' then hl.usage_score
            when 'sentiment_score' then hl.sentiment_score
            when 'support_score' then hl.support_score
            when 'engagement_score' then hl.engagement_score
            when 'onboarding_score' then hl.onboarding_score
        end as value
    from health_latest as hl
    cross join health_components as hc
),

health_drag as (
    -- the component that costs the score most points: its weight (spread over the components
    -- that have data) times what it lacks of 100
    select account_id, label as health_drag, points_lost as health_drag_points
    from (
        select
            account_id, label,
            weight * (100 - value) / sum(weight) over (partition by account_id) as points_lost,
            row_number() over (partition by account_id order by weight * (100 - value) desc, label) as drag_rank
        from health_parts
        where value is not null
    ) as ranked
    where drag_rank = 1
),

health_4w_ago as (
    select h.account_id, h.score as health_score_4w_ago
    from health_scores as h
    cross join snapshot as s
    where h.day = s.as_of - 28
),

usage as (
    -- one scan: the measures as of the snapshot, and the same measures 90 days earlier
    select
        u.account_id,
        avg(case when u.day > s.as_of - 7 then u.key_events end) as key_events_7d,
        avg(case when u.day <= s.as_of - 7 and u.day > s.as_of - 97 then u.key_events end) as key_events_baseline,
        avg(case when u.day > s.as_of - 30 and extract(isodow from u.day) < 6
            then u.active_users end) as weekday_active_users_30d,
        avg(case when u.day > s.as_of - 7 and extract(isodow from u.day) < 6
            then u.active_users end) as weekday_active_users_7d,
        avg(case when u.day <= s.as_of - 7 and u.day > s.as_of - 35 and extract(isodow from u.day) < 6
            then u.active_users end) as weekday_active_users_prev_28d,
        max(case when u.day > s.as_of - 30 then u.licensed_seats end) as licensed_seats_30d,
        max(case when u.active_users > 0 and u.day > s.as_of - 97 then u.day end) as last_active_day,
        avg(case when u.day > s.as_of - 120 and u.day <= s.as_of - 90 and extract(isodow from u.day) < 6
            then u.active_users end) as weekday_active_users_30d_90d_ago,
        max(case when u.day > s.as_of - 120 and u.day <= s.as_of - 90 then u.licensed_seats end)
            as licensed_seats_30d_90d_ago,
        max(case when u.active_users > 0 and u.day <= s.as_of - 90 then u.day end) as last_active_day_90d_ago
    from usage_daily as u
    cross join snapshot as s
    where u.day > s.as_of - 187 and u.day <= s.as_of
    group by u.account_id
),

live_90d_ago as (
    -- a term carried the account 90 days ago: inside it, or after it while its renewal is still open
    select distinct c.account_id
    from contracts as c
    cross join snapshot as s
    left join (select distinct contract_id from renewals where outcome is null) as o
        on o.contract_id = c.contract_id
    where c.start_date <= s.as_of - 90 and (c.end_date >= s.as_of - 90 or o.contract_id is not null)
),

tickets as (
    select
        t.account_id,
        sum(case when cast(t.opened_at as date) > s.as_of - 7 then 1 else 0 end) as tickets_7d,
        sum(case when cast(t.opened_at as date) > s.as_of - 30 then 1 else 0 end) as tickets_30d,
        sum(case when t.closed_at is null then 1 else 0 end) as open_tickets
    from support_tickets as t
    cross join snapshot as s
    where cast(t.opened_at as date) > s.as_of - 30 or t.closed_at is null
    group by t.account_id
),

touches as (
    -- the last touch of any kind, the last conversation (anything but an email), and the business
    -- reviews and on-site visits since the quarter began
    select
        t.account_id,
        max(t.happened_at) as last_touch_at,
        max(case when t.kind <> 'email' then t.happened_at end) as last_conversation_at,
        sum(case when t.kind = 'business_review' and t.happened_at >= cast(date_trunc('quarter', s.as_of) as date)
            then 1 else 0 end) as business_reviews_qtd,
        sum(case when t.kind = 'onsite_visit' and t.happened_at >= cast(date_trunc('quarter', s.as_of) as date)
            then 1 else 0 end) as onsite_visits_qtd
    from cs_activities as t
    cross join snapshot as s
    where cast(t.happened_at as date) <= s.as_of
    group by t.account_id
),

nps_latest as (
    select account_id, score as last_nps_score, responded_at as last_nps_at
    from (
        select
            account_id, score, responded_at,
            row_number() over (partition by account_id order by responded_at desc) as recency
        from nps_responses
        where score is not null
    ) as answered
    where recency = 1
)

select
    a.account_id,
    s.as_of,
    r.customer_since,
    t.contract_id,
    t.start_date as term_start,
    t.end_date as term_end,
    -- live: the term runs through as_of, or its renewal is still open (past due)
    case when t.end_date >= s.as_of or o.renewal_id is not null then true else false end as is_live,
    case when t.end_date >= s.as_of or o.renewal_id is not null then t.arr else 0 end as arr,
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
    case when l90.account_id is null then false else true end as is_live_90d_ago,
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
    coalesce(tc.onsite_visits_qtd, 0) as onsite_visits_qtd
from accounts as a
cross join snapshot as s
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
left join touches as tc on tc.account_id = a.account_id;

drop table if exists health_weekly;

-- health_weekly: per snapshot day, CSM and segment, split by whether the account is live today:
-- the sums behind the average-health trend, so the trend does not scan health_scores per view.
create table health_weekly as
select
    h.day,
    a.csm_id,
    a.segment,
    s.is_live as is_live_now,
    count(*) as accounts_scored,
    sum(h.score) as score_sum
from health_scores as h
inner join accounts as a on a.account_id = h.account_id
inner join account_snapshot as s on s.account_id = h.account_id
group by h.day, a.csm_id, a.segment, s.is_live;

drop table if exists cohort_retention;

-- cohort_retention: accounts grouped by the quarter their first contract started, followed every
-- three months from each account's own start: how many were observed (that old by the snapshot
-- day), how many were live, and their ARR, per CSM and segment so the app can filter on who.
create table cohort_retention as
with snapshot as (
    select max(day) as as_of from health_scores
),

terms as (
    select c.account_id, c.arr, c.start_date, c.end_date,
           case when o.contract_id is null then false else true end as renewal_open
    from contracts as c
    left join (select distinct contract_id from renewals where outcome is null) as o
        on o.contract_id = c.contract_id
),

firsts as (
    select account_id, min(start_date) as first_start
    from contracts
    where term_type = 'new'
    group by account_id
),

points as (
    select f.account_id, cast(date_trunc('quarter', f.first_start) as date) as cohort, g.months,
           cast(f.first_start + g.months * interval '1 month' as date) as day
    from firsts as f
    cross join generate_series(0, 36, 3) as g(months)
),

observed as (
    -- a term carries ARR on a day inside it, or after it while its renewal is still open
    select p.cohort, p.months, p.account_id, coalesce(sum(t.arr), 0) as arr
    from points as p
    cross join snapshot as s
    left join terms as t
        on t.account_id = p.account_id and t.start_date <= p.day
        and (t.end_date >= p.day or (t.renewal_open and p.day <= s.as_of))
    where p.day <= s.as_of
    group by p.cohort, p.months, p.account_id
)

select o.cohort, o.months, a.csm_id, a.segment,
       count(*) as accounts_observed,
       sum(case when o.arr > 0 then 1 else 0 end) as accounts_live,
       sum(o.arr) as arr
from observed as o
inner join accounts as a on a.account_id = o.account_id
group by o.cohort, o.months, a.csm_id, a.segment;
