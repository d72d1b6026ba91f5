-- Every account has its snapshot row (one: account_snapshot.account_id is unique), and that row
-- says who the account is as `accounts` does. History pages that filter by who an account is read
-- the accounts table alone (queries/scope.py, who_only), the other pages read the snapshot alone:
-- both must see the same accounts with the same segment and CSM. Returns each account without its
-- row or whose row disagrees.
select a.account_id
from {{ ref('stg_accounts') }} as a
left join {{ ref('account_snapshot') }} as s on s.account_id = a.account_id
where s.account_id is null
   or s.name is distinct from a.name
   or s.industry is distinct from a.industry
   or s.segment is distinct from a.segment
   or s.plan is distinct from a.plan
   or s.csm_id is distinct from a.csm_id
