select account_id, day, score, usage_score, sentiment_score, support_score, engagement_score, onboarding_score
from {{ source('contract', 'health_scores') }}
