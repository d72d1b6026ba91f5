"""CSM workload, for team leads: each CSM's book against the target for their segment, and the
accounts a rebalancing may move."""
from __future__ import annotations

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.scope import Filters, scoped

def _books(live_only: bool = True) -> str:
    """`books`: the accounts in scope with their open flags, whether they are at risk and the days
    to the term's end; live ones only unless `live_only` is false (then grouped by is_live)."""
    return f"""books as (
        select i.*, coalesce(f.open_flags, 0) as open_flags,
               case when i.health_band = 'red' or coalesce(f.open_flags, 0) > 0 then true else false end as at_risk,
               i.term_end - i.as_of as days_to_term_end
        from in_scope as i
        left join open_flags as f on f.account_id = i.account_id
        {"where i.is_live" if live_only else ""}
    )"""


_BOOKS = _books()


@reads_writeback
def workload(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """One row per CSM (with no live accounts too): book measures and their share of target."""
    # measures per CSM and liveness from one pass over the book (in_scope read once): the live rows
    # are the CSM's book, and any row says the CSM has an account in scope
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}, {_books(live_only=False)},
        per_csm_and_liveness as (
            select csm_id, is_live, {d.ACCOUNTS} as accounts, {d.ARR} as arr,
                   coalesce(sum(case when days_to_term_end <= 90 then arr end), 0) as renewable_arr_90d,
                   coalesce(sum(case when days_to_term_end <= 180 then arr end), 0) as renewable_arr_180d,
                   coalesce(sum(case when at_risk then arr end), 0) as at_risk_arr,
                   sum(case when lifecycle_stage = 'onboarding' then 1 else 0 end) as onboarding_accounts,
                   sum(open_flags) as open_flags,
                   sum(case when renewal_due_date <= as_of + 30 then 1 else 0 end) as renewals_due_30d,
                   {d.AVG_HEALTH} as avg_health
            from books
            group by csm_id, is_live
        ),
        per_csm as (
            select * from per_csm_and_liveness where is_live
        )
        select w.*, {d.load_status('w.book_load', 'w.arr_load')} as load
        from (
        select c.csm_id, c.name as csm_name, c.team, l.name as lead_name, c.segment,
               coalesce(p.accounts, 0) as accounts, coalesce(p.arr, 0) as arr,
               coalesce(p.renewable_arr_90d, 0) as renewable_arr_90d,
               coalesce(p.renewable_arr_180d, 0) as renewable_arr_180d,
               coalesce(p.at_risk_arr, 0) as at_risk_arr,
               coalesce(p.onboarding_accounts, 0) as onboarding_accounts,
               coalesce(p.open_flags, 0) as open_flags,
               coalesce(p.renewals_due_30d, 0) as renewals_due_30d,
               p.avg_health,
               {d.book_target('c.segment')} as book_target,
               cast(coalesce(p.accounts, 0) as double precision) / {d.book_target('c.segment')} as book_load,
               coalesce(p.arr, 0) / {d.ARR_COVERAGE_TARGET} as arr_load
        from csms as c
        left join csms as l on l.csm_id = c.manager_id
        left join per_csm as p on p.csm_id = c.csm_id
        where c.role = 'csm'
          and (exists (select 1 from per_csm_and_liveness as i where i.csm_id = c.csm_id)
               or not exists (select 1 from accounts as a where a.csm_id = c.csm_id))  -- CSMs with an empty book
        ) as w
        order by w.team, w.segment, w.csm_name, w.csm_id""")
    return fetch(wh, statement, params)


@reads_writeback
def movable_accounts(wh: Warehouse, filters: Filters, segment: str | None = None,
                     movable_only: bool = False) -> pl.DataFrame:
    """Live accounts in scope (of one segment) with whether a rebalancing may move them, and why not."""
    where = " and ".join(w for w in ("segment = :segment" if segment else "",
                                       "locked_because is null" if movable_only else "") if w)
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}, {_BOOKS},
        reasons as (
        select account_id, name, csm_id, segment, team, arr, lifecycle_stage,
               case when segment = 'high_touch' then 'high-touch: moved by hand only'
                    when segment = 'tech_touch' then 'tech-touch: pooled programme'
                    when lifecycle_stage = 'renewal' then 'in its renewal window'
                    when lifecycle_stage = 'onboarding' then 'in onboarding'
                    when open_renewal_id is not null then 'renewal in progress'
               end as locked_because
        from books
        )
        select * from reasons {"where " + where if where else ""}
        order by csm_id, arr desc, account_id""")
    return fetch(wh, statement, {**params, **({"segment": segment} if segment else {})})
