"""Portfolio health: the live book by health band, its trend, and the accounts that need help."""
from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from queries import definitions as d
from queries.db import Warehouse, cached, fetch
from queries.scope import TERMS, Filters, scoped

DIMENSIONS = {"segment": "segment", "lifecycle_stage": "lifecycle_stage",
              "activity_tier": "activity_tier", "team": "team", "csm": "csm_name"}


@cached
def data_as_of(wh: Warehouse):
    """The newest snapshot day in the warehouse: what every page reports as its freshness."""
    return fetch(wh, sa.text("select max(as_of) as as_of from account_snapshot"))["as_of"][0]


@cached
def kpis(wh: Warehouse, filters: Filters) -> dict:
    """Headline figures for the scoped book, and the same averages four weeks ago for deltas."""
    statement, params = scoped(filters, f"""
        select {d.ACCOUNTS} as accounts, {d.ARR} as arr, {d.AVG_HEALTH} as avg_health,
               avg(health_score_4w_ago) as avg_health_4w_ago,
               {d.AT_RISK_ARR} as at_risk_arr, {d.GREEN_SHARE} as green_share
        from in_scope""")
    return fetch(wh, statement, params).row(0, named=True)


@cached
def band_mix(wh: Warehouse, filters: Filters, dimension: str) -> pl.DataFrame:
    """Accounts and ARR by `dimension` x health band."""
    column = DIMENSIONS[dimension]  # an allow-listed identifier, never user text
    statement, params = scoped(filters, f"""
        select coalesce(cast({column} as varchar), 'none') as bucket, health_band,
               {d.ACCOUNTS} as accounts, {d.ARR} as arr
        from in_scope
        group by 1, 2
        order by 1, 2""")
    return fetch(wh, statement, params)


@cached
def health_trend(wh: Warehouse, filters: Filters, weeks: int = 52) -> pl.DataFrame:
    """Average health score per weekly snapshot for the accounts in scope today."""
    statement, params = scoped(filters, """
        select h.day, avg(h.score) as avg_health, count(*) as accounts
        from health_scores as h
        inner join in_scope as i on i.account_id = h.account_id
        where h.day > (select max(as_of) from account_snapshot) - :days
        group by h.day
        order by h.day""")
    return fetch(wh, statement, {**params, "days": 7 * weeks})


@cached
def lowest_health(wh: Warehouse, filters: Filters, limit: int = 50) -> pl.DataFrame:
    """The accounts in scope with the lowest health, with what a CSM needs to act."""
    statement, params = scoped(filters, """
        select account_id, name, segment, csm_name, team, arr, health_score, health_band,
               health_score - health_score_4w_ago as health_change_4w,
               lifecycle_stage, activity_tier, renewal_due_date, renewal_forecast
        from in_scope
        where health_score is not null
        order by health_score, arr desc, account_id
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})


@cached
def tier_movement(wh: Warehouse, filters: Filters, days_back: int = 90) -> pl.DataFrame:
    """Accounts and ARR by activity tier `days_back` days ago x tier now ('not live' on either side).

    The past tier recomputes the snapshot's usage measures for the window ending then and applies
    the same activity_tier() definition to them."""
    statement, params = scoped(filters.for_history(), f""", {TERMS},
        usage_then as (
            select u.account_id,
                   avg(case when u.day > cast(:then as date) - 30 and extract(isodow from u.day) < 6
                       then u.active_users end) as weekday_active_users_30d,
                   max(case when u.day > cast(:then as date) - 30 then u.licensed_seats end) as licensed_seats_30d,
                   max(case when u.active_users > 0 then u.day end) as last_active_day
            from usage_daily as u
            where u.day > cast(:then as date) - 97 and u.day <= cast(:then as date)
            group by u.account_id
        ),
        live_then as (
            select distinct t.account_id from terms as t where {d.term_live_on('t', 'cast(:then as date)')}
        ),
        then_state as (
            select i.account_id, cast(:then as date) as as_of,
                   case when l.account_id is null then false else true end as is_live,
                   u.weekday_active_users_30d, u.licensed_seats_30d, u.last_active_day
            from in_scope as i
            left join live_then as l on l.account_id = i.account_id
            left join usage_then as u on u.account_id = i.account_id
        ),
        moves as (
            select coalesce({d.activity_tier('t')}, 'not live') as tier_then,
                   coalesce(i.activity_tier, 'not live') as tier_now, i.arr
            from in_scope as i
            inner join then_state as t on t.account_id = i.account_id
        )
        select tier_then, tier_now, count(*) as accounts, {d.ARR} as arr
        from moves
        where tier_then <> 'not live' or tier_now <> 'not live'
        group by tier_then, tier_now
        order by tier_then, tier_now""")
    as_of = data_as_of(wh)
    return fetch(wh, statement, {**params, "then": as_of - dt.timedelta(days=days_back)})
