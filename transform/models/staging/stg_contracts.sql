-- one contract term; both dates inclusive. A new or win-back term starts a relationship.
select
    contract_id, account_id, term_type, start_date, end_date, arr, seats, status,
    term_type in ('new', 'winback') as starts_relationship
from {{ source('contract', 'contracts') }}
