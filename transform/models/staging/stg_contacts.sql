select contact_id, account_id, name, email, title, tier, is_champion, left_at
from {{ source('contract', 'contacts') }}
