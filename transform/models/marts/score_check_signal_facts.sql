-- One row per decided renewal due by the as-of day and look-back the Score check offers (var
-- cs_cockpit_score_check_lead_days: N days before due), with what the usage and ticket rules would
-- have seen on the days of its window [due - N, due - 1], as facts the app compares with its own
-- thresholds (queries/definitions.py):
--   lowest_key_events_share: the lowest share of key events over 7 days to the 90-day baseline
--     before them, on the window's usage days with a baseline (usage_drop: below its share);
--   lowest_weekday_users_share: the lowest share of weekday active users over 7 days to the 28
--     days before them, on the window's days with at least cs_cockpit_sudden_drop_min_users users
--     before (sudden_drop: at or below its share);
--   most_tickets_7d: the most tickets opened in 7 days ending on a day of the window (the count
--     can only rise on a ticket's day: the window's first day and every ticket day in it).
-- Null where the window has no such day; a renewal whose window has none of them has no row. The
-- page reads these rows by look-back instead of probing each renewal's usage and tickets per view.
{{ config(indexes=[{'columns': ['lead_days', 'due_date']}] if target.type == 'postgres' else []) }}

{%- set recent = var('cs_cockpit_recent_days') | int %}

with windows as (
    select * from {{ ref('int_score_check_windows') }}
),

usage_lows as (
    select w.renewal_id, w.lead_days,
           min(case when u.key_events_baseline > 0
                    then u.key_events_7d / u.key_events_baseline end) as lowest_key_events_share,
           min(case when u.weekday_active_users_prev_28d >= {{ var('cs_cockpit_sudden_drop_min_users') }}
                    then u.weekday_active_users_7d / u.weekday_active_users_prev_28d end)
               as lowest_weekday_users_share
    from windows as w
    inner join {{ ref('usage_rolling_daily') }} as u on u.account_id = w.account_id
        and u.day >= w.looked_on and u.day < w.due_date
    group by w.renewal_id, w.lead_days
),

-- the ticket days from the 7 days before the window to its end: the count on its first day (the
-- tickets opened in the 7 days to it) and the 7-day count of every ticket day inside it
tickets as (
    select w.renewal_id, w.lead_days,
           max(case when k.day >= w.looked_on then k.opened_7d end) as most_inside,
           sum(case when k.day <= w.looked_on then k.opened else 0 end) as opened_to_first_day
    from windows as w
    inner join {{ ref('support_tickets_daily') }} as k on k.account_id = w.account_id
        and k.day > {{ add_days('w.looked_on', 0 - recent) }} and k.day < w.due_date
    group by w.renewal_id, w.lead_days
)

select w.renewal_id, w.account_id, w.due_date, w.lead_days, w.looked_on,
       ul.lowest_key_events_share, ul.lowest_weekday_users_share,
       case when t.renewal_id is not null
            then greatest(coalesce(t.most_inside, 0), t.opened_to_first_day) end as most_tickets_7d
from windows as w
left join usage_lows as ul on ul.renewal_id = w.renewal_id and ul.lead_days = w.lead_days
left join tickets as t on t.renewal_id = w.renewal_id and t.lead_days = w.lead_days
where ul.renewal_id is not null or t.renewal_id is not null
