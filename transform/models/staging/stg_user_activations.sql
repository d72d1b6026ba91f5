select user_id, account_id, created_at, page_views_first_7d, cast(created_at as date) as created_on
from {{ source('contract', 'user_activations') }}
