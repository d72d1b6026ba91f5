select account_id, name, industry, employees, segment, plan, csm_id, created_at
from {{ source('contract', 'accounts') }}
