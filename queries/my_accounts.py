"""My accounts: a CSM's book, ordered by what needs them first, each row saying why."""
from __future__ import annotations

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.scope import Filters, scoped
from queries.signals import signals_cte

RENEWAL_SOON_DAYS = d.RENEWAL_WINDOW_DAYS

# Risk order: an open flag (most severe first), red health, a renewal due soon, the most severe
# firing risk signal, the number of signals, then ARR at stake.
RISK_ORDER = f"""coalesce(f.top_flag_severity, 0) desc,
        case when i.health_band = 'red' then 1 else 0 end desc,
        case when i.renewal_due_date - i.as_of <= {RENEWAL_SOON_DAYS} then 1 else 0 end desc,
        coalesce(g.top_severity, 0) desc, coalesce(g.signals, 0) desc, i.arr desc, i.account_id"""


@reads_writeback
def book(wh: Warehouse, filters: Filters, limit: int = d.LIST_LIMIT) -> pl.DataFrame:
    """The accounts in scope (the caller sets whose book through filters.csm_ids), riskiest first."""
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}, {signals_cte(with_since=False)},
        per_account as (
            select account_id, count(*) as signals,
                   max(case when kind = 'risk' then severity end) as top_severity,
                   string_agg(label, ', ' order by severity desc, label) as signal_labels
            from signals
            group by account_id
        )
        select i.account_id, i.name,
               concat_ws(' · ',
                   case when f.open_flags > 0 then cast(f.open_flags as varchar) || ' open flag(s)' end,
                   case when i.health_band = 'red' then 'red health' end,
                   case when i.renewal_due_date - i.as_of < 0 then 'renewal past due'
                        when i.renewal_due_date - i.as_of <= {RENEWAL_SOON_DAYS}
                        then 'renews in ' || cast(i.renewal_due_date - i.as_of as varchar) || ' days' end,
                   g.signal_labels) as why,
               i.arr, i.health_score, i.health_band,
               i.health_score - i.health_score_4w_ago as health_change_4w, i.health_drag,
               coalesce(f.open_flags, 0) as open_flags, coalesce(g.signals, 0) as signals,
               i.days_since_touch, i.renewal_due_date, i.renewal_due_date - i.as_of as days_to_renewal,
               i.lifecycle_stage, i.activity_tier, i.segment, i.csm_name
        from in_scope as i
        left join open_flags as f on f.account_id = i.account_id
        left join per_account as g on g.account_id = i.account_id
        order by {RISK_ORDER}
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})


@reads_writeback
def open_flag_total(wh: Warehouse, filters: Filters) -> int:
    """Open risk flags on the accounts in scope."""
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}
        select coalesce(sum(f.open_flags), 0) as open_flags
        from in_scope as i
        inner join open_flags as f on f.account_id = i.account_id""")
    return int(fetch(wh, statement, params)["open_flags"][0])
