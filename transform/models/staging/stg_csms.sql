select csm_id, name, email, team, role, segment, manager_id
from {{ source('contract', 'csms') }}
