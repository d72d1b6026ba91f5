-- The 7-day ticket count of the as-of day is the snapshot's own: support_tickets_daily takes the
-- same window as account_snapshot.tickets_7d, day by day. Returns every account that opened a
-- ticket on the as-of day and whose count there differs from its snapshot's.
select k.account_id
from {{ ref('support_tickets_daily') }} as k
inner join {{ ref('int_as_of') }} as d on k.day = d.as_of
inner join {{ ref('account_snapshot') }} as s on s.account_id = k.account_id
where k.opened_7d <> s.tickets_7d
