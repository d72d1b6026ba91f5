-- Per day, activity kind, the CSM who did it, and the account's CSM, segment and liveness on the
-- as-of day: how many CS activities there were. The CS activity page's weekly chart and per-CSM
-- rates read these sums for filters on who (segment, team, CSM), so a page view does not join
-- every activity of the last weeks to the whole book.
{{ config(indexes=[{'columns': ['day']}] if target.type == 'postgres' else []) }}

select
    t.happened_on as day,
    t.kind,
    t.csm_id,
    a.csm_id as account_csm_id,
    a.segment,
    s.is_live as is_live_now,
    count(*) as activities
from {{ ref('stg_cs_activities') }} as t
inner join {{ ref('stg_accounts') }} as a on a.account_id = t.account_id
inner join {{ ref('account_snapshot') }} as s on s.account_id = t.account_id
where t.happened_on <= s.as_of
group by t.happened_on, t.kind, t.csm_id, a.csm_id, a.segment, s.is_live
