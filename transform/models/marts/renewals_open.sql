-- The renewals still open on the as-of day: those of terms whose renewal contract_terms calls open
-- (renewal_open: undecided on the as-of day, or decided after it). A few tens of thousands of rows
-- at 200k accounts, where renewals_as_of holds the whole history: the snapshot's open renewal, the
-- renewal funnel and the forecast write-back read open renewals here instead of probing
-- contract_terms once per renewal ever due.
{{ config(indexes=[{'columns': ['renewal_id'], 'unique': True}, {'columns': ['account_id']}]
                  if target.type == 'postgres' else []) }}

select r.*
from {{ ref('renewals_as_of') }} as r
inner join {{ ref('contract_terms') }} as t on t.contract_id = r.contract_id
where t.renewal_open
