select renewal_id, account_id, contract_id, due_date, stage, forecast, arr_up, arr_renewed, outcome, closed_date
from {{ source('contract', 'renewals') }}
