-- One row per account and contact who answered an NPS survey by the as-of day: that contact's
-- latest answer. account_recency = 1 marks the account's latest answer of all. A detractor hides
-- behind nobody: the app's detractor signal reads every contact's row, not only the newest.
{{ config(indexes=[{'columns': ['account_id']}, {'columns': ['responded_on']}] if target.type == 'postgres' else []) }}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

answers as (
    select
        n.survey_id, n.account_id, n.contact_email, n.score, n.responded_at, n.responded_on, n.comment,
        row_number() over (partition by n.account_id, n.contact_email
                           order by n.responded_at desc, n.survey_id desc) as contact_recency
    from {{ ref('stg_nps_responses') }} as n
    cross join as_of as s
    where n.score is not null and n.responded_on <= s.as_of
),

contacts as (
    -- a person may be listed twice (e.g. after moving teams): take one name per address
    select account_id, email, min(name) as name
    from {{ ref('stg_contacts') }}
    group by account_id, email
)

select
    a.account_id,
    a.contact_email,
    coalesce(c.name, a.contact_email) as contact_name,
    a.survey_id,
    a.score,
    a.responded_at,
    a.responded_on,
    a.comment,
    row_number() over (partition by a.account_id order by a.responded_at desc, a.survey_id desc) as account_recency
from answers as a
left join contacts as c on c.account_id = a.account_id and c.email = a.contact_email
where a.contact_recency = 1
