-- One row per survey sent (answered or not), with the account's CSM and segment: what the NPS page
-- reads for the ragged days at the edges of its period (nps_monthly answers the whole months), and
-- for a list of accounts, filtered on these columns by index on the day sent instead of joining
-- every account of the book to each statement. The same current CSM and segment nps_monthly keeps.
{{ config(indexes=[{'columns': ['sent_at']}] if target.type == 'postgres' else []) }}

select r.survey_id, r.account_id, r.sent_at, r.score, a.csm_id, a.segment
from {{ ref('stg_nps_responses') }} as r
inner join {{ ref('stg_accounts') }} as a on a.account_id = r.account_id
