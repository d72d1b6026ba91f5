-- The rolling usage measures of the as-of day are the snapshot's own: usage_rolling_daily takes
-- the same windows as account_snapshot, day by day. Returns every account whose row on the
-- as-of day differs from its snapshot in any of the four measures.
with today as (
    select u.*
    from {{ ref('usage_rolling_daily') }} as u
    inner join {{ ref('int_as_of') }} as d on u.day = d.as_of
)

select t.account_id
from today as t
inner join {{ ref('account_snapshot') }} as s on s.account_id = t.account_id
where not (
    {%- for measure in ['key_events_7d', 'key_events_baseline', 'weekday_active_users_7d',
                        'weekday_active_users_prev_28d'] %}
    {% if not loop.first %}and {% endif -%}
    ((t.{{ measure }} is null and s.{{ measure }} is null)
     or abs(t.{{ measure }} - s.{{ measure }}) < 0.000001)
    {%- endfor %}
)
