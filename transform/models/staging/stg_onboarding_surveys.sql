select survey_id, account_id, contact_email, answered_on, score, comment
from {{ source('contract', 'onboarding_surveys') }}
