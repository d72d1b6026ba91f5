-- Per snapshot day, CSM and segment, split by whether the account is live on the as-of day: the
-- sums behind the average-health trend, so the trend does not scan health_scores per view.
{{ config(indexes=[{'columns': ['day']}] if target.type == 'postgres' else []) }}

select
    h.day,
    a.csm_id,
    a.segment,
    s.is_live as is_live_now,
    count(*) as accounts_scored,
    sum(h.score) as score_sum
from {{ ref('stg_health_scores') }} as h
inner join {{ ref('stg_accounts') }} as a on a.account_id = h.account_id
inner join {{ ref('account_snapshot') }} as s on s.account_id = h.account_id
where h.day <= s.as_of
group by h.day, a.csm_id, a.segment, s.is_live
