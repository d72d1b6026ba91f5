"""My accounts: a CSM's book, ordered by the ARR at risk (ORDER_RULE), each row saying why."""
from __future__ import annotations

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.scope import Filters, scoped
from queries.signals import signals_cte

RENEWAL_SOON_DAYS = d.RENEWAL_WINDOW_DAYS
RED_HEALTH_SEVERITY = 3   # red health weighs as much as the most severe flag or signal
RENEWAL_SOON_FACTOR = 2   # a risk whose renewal is due within RENEWAL_SOON_DAYS has twice as much at stake

ORDER_RULE = (
    f"Riskiest first, by ARR at stake: an account's risk adds up the severities (1-3) of its most severe open "
    f"risk flag and of each firing risk signal, and {RED_HEALTH_SEVERITY} for red health; at stake is its ARR "
    f"times that risk, times {RENEWAL_SOON_FACTOR} when the renewal is due within {RENEWAL_SOON_DAYS} days or "
    f"past due. Accounts with no risk follow, nearest renewal first: a renewal alone never puts a healthy "
    f"account above a risky one.")

# Each firing signal in its few words (SignalRule.short): a risky account's reasons share one cell
SHORT_LABEL = ("case rule " + " ".join(f"when '{code}' then '{rule.short}'" for code, rule in d.SIGNAL_RULES.items())
               + " end")

# The one home of the order above (docs/architecture.md, Signals). `risk` and `at_stake` are
# computed in the query's `ranked` CTE.
RISK_ORDER = """case when r.risk > 0 then 0 else 1 end, r.at_stake desc, r.risk desc, r.reasons desc,
        case when r.days_to_renewal <= :renewal_soon then r.days_to_renewal end nulls last,
        r.arr desc nulls last, r.account_id"""


@reads_writeback
def book(wh: Warehouse, filters: Filters, limit: int = d.LIST_LIMIT) -> pl.DataFrame:
    """The accounts in scope (the caller sets whose book through filters.csm_ids), riskiest first."""
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}, {signals_cte(with_since=False)},
        per_account as (
            select account_id, count(*) as signals,
                   sum(case when kind = 'risk' then severity else 0 end) as risk_severity,
                   sum(case when kind = 'risk' then 1 else 0 end) as risks,
                   string_agg({SHORT_LABEL}, ', ' order by severity desc, label) as signal_labels
            from signals
            group by account_id
        ),
        ranked as (
            select i.*, coalesce(f.open_flags, 0) as open_flags, coalesce(g.signals, 0) as signals,
                   g.signal_labels, i.renewal_due_date - i.as_of as days_to_renewal,
                   coalesce(f.top_flag_severity, 0) + coalesce(g.risk_severity, 0)
                       + case when i.health_band = 'red' then {RED_HEALTH_SEVERITY} else 0 end as risk,
                   coalesce(f.open_flags, 0) + coalesce(g.risks, 0)
                       + case when i.health_band = 'red' then 1 else 0 end as reasons
            from in_scope as i
            left join open_flags as f on f.account_id = i.account_id
            left join per_account as g on g.account_id = i.account_id
        ),
        staked as (
            select ranked.*,
                   coalesce(arr, 0) * risk
                       * case when days_to_renewal <= :renewal_soon then {RENEWAL_SOON_FACTOR} else 1 end as at_stake
            from ranked
        )
        select r.account_id, r.name,
               concat_ws(' · ',
                   case when r.open_flags = 1 then '1 open flag'
                        when r.open_flags > 1 then cast(r.open_flags as varchar) || ' open flags' end,
                   case when r.health_band = 'red' then 'red health' end,
                   case when r.days_to_renewal < 0 then 'renewal past due'
                        when r.days_to_renewal <= :renewal_soon
                        then 'renews in ' || cast(r.days_to_renewal as varchar) || ' days' end,
                   r.signal_labels) as why,
               r.arr, r.health_score, r.health_band, {d.health_change_4w('r')} as health_change_4w, r.health_drag,
               r.open_flags, r.signals, r.days_since_touch, r.renewal_due_date, r.days_to_renewal,
               r.lifecycle_stage, r.activity_tier, r.segment, r.csm_name
        from staked as r
        order by {RISK_ORDER}
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit, "renewal_soon": RENEWAL_SOON_DAYS})


@reads_writeback
def open_flag_total(wh: Warehouse, filters: Filters) -> int:
    """Open risk flags on the accounts in scope."""
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}
        select coalesce(sum(f.open_flags), 0) as open_flags
        from in_scope as i
        inner join open_flags as f on f.account_id = i.account_id""")
    return int(fetch(wh, statement, params)["open_flags"][0])
