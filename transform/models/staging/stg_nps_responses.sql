-- answered: a score was given (responded_at alone does not make an answer)
select
    survey_id, account_id, contact_email, sent_at, responded_at, score, comment,
    cast(responded_at as date) as responded_on
from {{ source('contract', 'nps_responses') }}
