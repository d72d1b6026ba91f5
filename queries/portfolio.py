"""Portfolio health: the live book by health band, its trend, and the accounts that need help."""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from queries import definitions as d
from queries.db import Warehouse, cached, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.scope import AS_OF, Filters, scoped, who_clauses

DIMENSIONS = {"segment": "segment", "lifecycle_stage": "lifecycle_stage",
              "activity_tier": "activity_tier", "team": "team", "csm": "csm_name"}


@cached
def data_as_of(wh: Warehouse):
    """The newest snapshot day in the warehouse: what every page reports as its freshness."""
    return fetch(wh, sa.text("select max(as_of) as as_of from account_snapshot"))["as_of"][0]


@cached
def kpis(wh: Warehouse, filters: Filters) -> dict:
    """Headline figures for the scoped book, and the same averages four weeks ago for deltas."""
    statement, params = scoped(wh, filters, f"""
        select {d.ACCOUNTS} as accounts, {d.ARR} as arr, {d.AVG_HEALTH} as avg_health,
               avg(health_score_4w_ago) as avg_health_4w_ago,
               {d.AT_RISK_ARR} as at_risk_arr, {d.GREEN_SHARE} as green_share
        from in_scope""")
    return fetch(wh, statement, params).row(0, named=True)


@cached
def band_mix(wh: Warehouse, filters: Filters, dimension: str) -> pl.DataFrame:
    """Accounts and ARR by `dimension` x health band."""
    column = DIMENSIONS[dimension]  # an allow-listed identifier, never user text
    statement, params = scoped(wh, filters, f"""
        select coalesce(cast({column} as varchar), 'none') as bucket, health_band,
               {d.ACCOUNTS} as accounts, {d.ARR} as arr
        from in_scope
        group by 1, 2
        order by 1, 2""")
    return fetch(wh, statement, params)


def _trend_from_rollup(filters: Filters) -> bool:
    """health_weekly answers filters on who (segment, team, CSM) for live or all accounts; a stage
    or tier filter needs each account's classification, so it takes the per-account path."""
    return not filters.tiers and set(filters.stages) in (set(), set(d.LIVE_STAGES))


@cached
def health_trend(wh: Warehouse, filters: Filters, weeks: int = 52) -> pl.DataFrame:
    """Average health score per weekly snapshot for the accounts in scope today."""
    if _trend_from_rollup(filters):
        return _health_trend_rollup(wh, filters, weeks)
    statement, params = scoped(wh, filters, f"""
        select h.day, avg(h.score) as avg_health, count(*) as accounts
        from health_scores as h
        inner join in_scope as i on i.account_id = h.account_id
        where h.day > {AS_OF} - :days
        group by h.day
        order by h.day""")
    return fetch(wh, statement, {**params, "days": 7 * weeks})


def _health_trend_rollup(wh: Warehouse, filters: Filters, weeks: int) -> pl.DataFrame:
    """The same trend from health_weekly: sums per CSM and segment, so no scan of health_scores."""
    clauses, params, binds = who_clauses(filters, "w.segment", "w.csm_id", "c.team")
    params["days"] = 7 * weeks
    if filters.stages:  # the live stages: accounts live today
        clauses.append("w.is_live_now")
    statement = sa.text(f"""
        select w.day, sum(w.score_sum) / sum(w.accounts_scored) as avg_health, sum(w.accounts_scored) as accounts
        from health_weekly as w
        left join csms as c on c.csm_id = w.csm_id
        where w.day > {AS_OF} - :days
          {"".join(" and " + c for c in clauses)}
        group by w.day
        order by w.day""").bindparams(*binds)
    return fetch(wh, statement, params)


@reads_writeback
def lowest_health(wh: Warehouse, filters: Filters, limit: int = 50) -> pl.DataFrame:
    """The accounts in scope with the lowest health, with what a CSM needs to act."""
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}
        select i.account_id, name, segment, csm_name, team, arr, health_score, health_band,
               {d.health_change_4w('i')} as health_change_4w, health_drag,
               lifecycle_stage, activity_tier, renewal_due_date, renewal_forecast,
               coalesce(f.open_flags, 0) as open_flags, days_since_touch
        from in_scope as i
        left join open_flags as f on f.account_id = i.account_id
        where health_score is not null
        order by health_score, arr desc, i.account_id
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})


@cached
def tier_movement(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """Accounts and ARR by activity tier 90 days ago x tier now ('not live' on either side).

    The snapshot keeps the usage measures as they were 90 days before as_of; the same
    activity_tier() definition classifies both."""
    statement, params = scoped(wh, filters.for_history(), f""",
        then_state as (
            -- read from in_scope's own row: one pass over the book, no second scan of the snapshot
            select as_of - 90 as as_of, is_live_90d_ago as is_live,
                   weekday_active_users_30d_90d_ago as weekday_active_users_30d,
                   licensed_seats_30d_90d_ago as licensed_seats_30d,
                   last_active_day_90d_ago as last_active_day,
                   activity_tier as tier_now, arr
            from in_scope
        ),
        moves as (
            select coalesce({d.activity_tier('t')}, 'not live') as tier_then,
                   coalesce(t.tier_now, 'not live') as tier_now, t.arr
            from then_state as t
        )
        select tier_then, tier_now, count(*) as accounts, {d.ARR} as arr
        from moves
        where tier_then <> 'not live' or tier_now <> 'not live'
        group by tier_then, tier_now
        order by tier_then, tier_now""")
    return fetch(wh, statement, params)
