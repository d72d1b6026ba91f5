select event_id, account_id, kind, occurred_on, note
from {{ source('contract', 'business_events') }}
