select account_id, contract_id, milestone, day_offset, due_date, completed_date
from {{ source('contract', 'onboarding_milestones') }}
