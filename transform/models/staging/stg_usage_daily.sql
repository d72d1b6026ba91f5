-- weekday: Monday to Friday, the days active-user averages are taken over
select
    account_id, day, active_users, licensed_seats, page_views, key_events,
    {{ iso_weekday('day') }} < 6 as is_weekday
from {{ source('contract', 'usage_daily') }}
