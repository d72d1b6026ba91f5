"""CS activity: who is being touched, how often, and who is being neglected (seeds 000, 004)."""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.scope import AS_OF, Filters, activities_cte, scoped, who_clauses
from warehouse.schema import ACTIVITY_KINDS

WEEKS = 12


def _from_rollup(filters: Filters) -> bool:
    """cs_activity_daily answers filters on who (segment, team, CSM) for live or all accounts; a
    stage, tier or account filter needs each account's classification: the per-account path."""
    return not filters.tiers and not filters.account_ids and set(filters.stages) in (set(), set(d.LIVE_STAGES))


def _rollup(wh: Warehouse, filters: Filters, body: str) -> tuple[sa.TextClause, dict]:
    """`with daily as (...) <body>`: the activity sums of cs_activity_daily and the touches logged
    in the app (as activities_cte counts them), per day, kind, CSM who did it and the account's
    CSM, segment and liveness, already narrowed to the who-filters (and to live accounts when the
    stage filter is every live stage)."""
    clauses, params, binds = who_clauses(filters, "r.segment", "r.account_csm_id", "oc.team")
    if filters.stages:
        clauses.append("r.is_live_now")
    statement = sa.text(f"""
        with daily as (
            select r.day, r.kind, r.csm_id, r.activities
            from (
                select day, kind, csm_id, account_csm_id, segment, is_live_now, activities from cs_activity_daily
                union all
                select cast(t.touched_on as date), t.kind, c.csm_id, a.csm_id, a.segment, s.is_live, 1
                from {wh.app_schema}.touches as t
                inner join accounts as a on a.account_id = t.account_id
                inner join account_snapshot as s on s.account_id = t.account_id
                left join csms as c on lower(c.email) = t.by_user
                where {d.logged_conversation('t')}
            ) as r
            left join csms as oc on oc.csm_id = r.account_csm_id
            where {" and ".join(clauses) or "1 = 1"}
        )
        {body}""").bindparams(*binds)
    return statement, params


@reads_writeback
def weekly_by_kind(wh: Warehouse, filters: Filters, weeks: int = WEEKS) -> pl.DataFrame:
    """Activities on the accounts in scope per week (Monday to Sunday) and kind: the last `weeks`
    whole weeks and the current one so far. The first week starts on a Monday, so no bar is a
    fragment of a week except the current one (the page marks it)."""
    if _from_rollup(filters):
        statement, params = _rollup(wh, filters, f"""
        , per_day as (
            -- summed per day and kind first (a few hundred groups), then into weeks: the week's
            -- truncation per rollup row cost a third of the statement at 1M accounts
            select t.day, t.kind, sum(t.activities) as activities
            from daily as t
            where t.day >= {d.period_start('week', AS_OF)} - :days and t.day <= {AS_OF}
            group by t.day, t.kind
        )
        select {d.period_start('week', 't.day')} as week, t.kind, cast(sum(t.activities) as bigint) as activities
        from per_day as t
        group by 1, 2
        order by 1, 2""")
        return fetch(wh, statement, {**params, "days": 7 * weeks})
    statement, params = scoped(wh, filters, f""", {activities_cte(wh)}
        select {d.period_start('week', 't.happened_at')} as week, t.kind, count(*) as activities
        from activities as t
        inner join in_scope as i on i.account_id = t.account_id
        where cast(t.happened_at as date) >= {d.period_start('week', 'i.as_of')} - :days
          and cast(t.happened_at as date) <= i.as_of
          and t.happened_at >= cast({d.period_start('week', AS_OF)} - :days as timestamp)
        group by 1, 2
        order by 1, 2""")
    return fetch(wh, statement, {**params, "days": 7 * weeks})


def _per_kind(counted: str) -> str:
    """Activities per week of each kind; `counted` is what a row adds (1 per activity, or a rollup's sum)."""
    return ", ".join(f"sum(case when t.kind = '{k}' then {counted} else 0 end) / cast(:weeks as double precision) "
                     f"as {k}_per_week" for k in ACTIVITY_KINDS)


@reads_writeback
def per_csm(wh: Warehouse, filters: Filters, weeks: int = WEEKS) -> pl.DataFrame:
    """Each CSM's activities per week, by kind, over the last `weeks` weeks, on accounts in scope
    (counted for the CSM who did them)."""
    if _from_rollup(filters):
        statement, params = _rollup(wh, filters, f"""
        , per_kind as (
            -- summed per CSM and kind first, then spread into a column per kind: a case per kind
            -- on every rollup row cost a third of the statement at 1M accounts
            select t.csm_id, t.kind, sum(t.activities) as activities
            from daily as t
            where t.day > {AS_OF} - :days and t.day <= {AS_OF}
            group by t.csm_id, t.kind
        )
        select c.csm_id, c.name as csm_name, c.team, sum(t.activities) / cast(:weeks as double precision) as per_week,
               {_per_kind("t.activities")}
        from per_kind as t
        inner join csms as c on c.csm_id = t.csm_id
        group by c.csm_id, c.name, c.team
        order by c.team, c.name, c.csm_id""")
        return fetch(wh, statement, {**params, "days": 7 * weeks, "weeks": weeks})
    statement, params = scoped(wh, filters, f""", {activities_cte(wh)}
        select c.csm_id, c.name as csm_name, c.team, count(*) / cast(:weeks as double precision) as per_week,
               {_per_kind("1")}
        from activities as t
        inner join in_scope as i on i.account_id = t.account_id
        inner join csms as c on c.csm_id = t.csm_id
        where cast(t.happened_at as date) > i.as_of - :days and cast(t.happened_at as date) <= i.as_of
          and t.happened_at >= cast({AS_OF} - :days + 1 as timestamp)
        group by c.csm_id, c.name, c.team
        order by c.team, c.name, c.csm_id""")
    return fetch(wh, statement, {**params, "days": 7 * weeks, "weeks": weeks})


@reads_writeback
def cadence(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """Per CSM, this quarter so far: business reviews and on-site visits done on their live
    accounts against the segment's cadence (due in proportion to the quarter gone by), and the
    accounts left without a conversation for too long."""
    # the quarter and its share gone by from the snapshot day (every row has the same), worked out
    # once per CSM after the pass: per row, its truncations and interval cost 0.4 s at 1M accounts.
    # The day comes from the rows themselves: a cross join to a subquery over the whole snapshot kept
    # PostgreSQL from splitting the pass over workers.
    q_start = d.period_start("quarter", "p.as_of")
    share = f"cast(p.as_of - {q_start} + 1 as double precision) / (cast({q_start} + interval '3 months' as date) - {q_start})"
    statement, params = scoped(wh, filters, f""",
        per_csm as (
            -- grouped by the CSM's id alone (a hash of a few thousand groups), named afterwards
            select i.csm_id, count(*) as accounts,
                   sum(i.business_reviews_qtd) as reviews_done,
                   sum({d.cadence('i.segment', 'business_review')}) as reviews_due_per_quarter,
                   sum(i.onsite_visits_qtd) as visits_done,
                   sum({d.cadence('i.segment', 'onsite_visit')}) as visits_due_per_quarter,
                   sum(case when {d.too_long_without_touch('i')} then 1 else 0 end) as neglected,
                   max(i.as_of) as as_of
            from in_scope as i
            where i.is_live
            group by i.csm_id
        )
        select p.csm_id, c.name as csm_name, c.team, p.accounts, p.reviews_done,
               p.reviews_due_per_quarter * {share} as reviews_due,
               p.visits_done, p.visits_due_per_quarter * {share} as visits_due, p.neglected,
               {q_start} as quarter_start
        from per_csm as p
        left join csms as c on c.csm_id = p.csm_id
        order by c.team, c.name""")
    return fetch(wh, statement, params)


@reads_writeback
def neglected(wh: Warehouse, filters: Filters, limit: int = d.LIST_LIMIT) -> pl.DataFrame:
    """Live accounts in scope without a conversation for longer than their segment allows,
    largest ARR first."""
    statement, params = scoped(wh, filters, f"""
        select account_id, name, segment, csm_name, team, arr, days_since_touch, health_score, health_band,
               renewal_due_date
        from in_scope as i
        where i.is_live and {d.too_long_without_touch('i')}
        order by arr desc, account_id
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})
