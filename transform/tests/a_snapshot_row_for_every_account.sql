-- Every account has its snapshot row (one: account_snapshot.account_id is unique). History pages
-- that filter by who an account is read the accounts table alone (queries/scope.py, who_only) and
-- rely on it to see the same accounts as the pages that join the snapshot. Returns each account
-- without one.
select a.account_id
from {{ ref('stg_accounts') }} as a
left join {{ ref('account_snapshot') }} as s on s.account_id = a.account_id
where s.account_id is null
