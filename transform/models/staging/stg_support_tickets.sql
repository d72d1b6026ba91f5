select
    ticket_id, account_id, opened_at, closed_at, priority,
    cast(opened_at as date) as opened_on, cast(closed_at as date) as closed_on
from {{ source('contract', 'support_tickets') }}
