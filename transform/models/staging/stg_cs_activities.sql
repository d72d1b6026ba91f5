-- a conversation is any touch but an email
select
    activity_id, account_id, csm_id, kind, happened_at, outcome,
    cast(happened_at as date) as happened_on,
    kind <> 'email' as is_conversation
from {{ source('contract', 'cs_activities') }}
