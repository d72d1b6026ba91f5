"""Onboarding, for CS leads and CSMs: how each signing cohort is getting through the 7/14/30/60/90
day milestones, how long it takes to go live, and who is in onboarding right now."""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, cached, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.scope import AS_OF, Filters, over_rows, scoped, who_of_rows


def _milestones(filters: Filters) -> tuple[str, dict]:
    """`milestones` of the accounts the who-filters keep, from the mart alone: it carries each
    term's start and the account's CSM and segment, so no page view joins 800k milestones to the
    book at 200k accounts. Returns the CTE and its list parameters."""
    who, lists = who_of_rows(filters, "m")
    return f"""milestones as (
        select m.account_id, m.milestone, m.day_offset, m.due_date, m.completed_date,
               m.term_start as start_date, m.segment, m.cohort_month, m.cohort_quarter, m.first_in_month,
               m.first_in_quarter,
               {d.milestone_state('m', AS_OF)} as state
        from onboarding_milestones_as_of as m
        left join csms as c on c.csm_id = m.csm_id
        where {who}
    )""", lists


# A cohort grain's column in onboarding_milestones_as_of, and the column marking an account's first
# row of a milestone in that cohort (summed, it counts the cohort's accounts without a distinct).
_COHORTS = {"month": ("cohort_month", "first_in_month"), "quarter": ("cohort_quarter", "first_in_quarter")}


def _cohort_start(day: dt.date, grain: str) -> dt.date:
    """The first day of the month or quarter holding `day`."""
    month = day.month if grain == "month" else 3 * ((day.month - 1) // 3) + 1
    return dt.date(day.year, month, 1)


@cached
def milestone_matrix(wh: Warehouse, filters: Filters, since: dt.date, grain: str = "quarter") -> pl.DataFrame:
    """Per signing cohort (from the one holding `since`) and milestone: accounts, counts by state and
    the on-time rate (null: not due yet)."""
    if grain not in _COHORTS:
        raise ValueError(f"unknown cohort grain: {grain!r}")
    cohort, first = _COHORTS[grain]
    milestones, lists = _milestones(filters)
    statement, params = over_rows(f"""with {milestones}
        select {cohort} as cohort, milestone, day_offset,
               sum(case when {first} then 1 else 0 end) as accounts,
               sum(case when state = 'on_time' then 1 else 0 end) as on_time,
               sum(case when state = 'late' then 1 else 0 end) as late,
               sum(case when state = 'overdue' then 1 else 0 end) as overdue,
               sum(case when state = 'not_due' then 1 else 0 end) as not_due,
               {d.ON_TIME_RATE} as on_time_rate
        from milestones
        where start_date >= :since
        group by 1, 2, 3
        order by 1, 3""", lists)
    return fetch(wh, statement, {**params, "since": _cohort_start(since, grain)})


@cached
def time_to_value(wh: Warehouse, filters: Filters, since: dt.date, grain: str = "quarter") -> pl.DataFrame:
    """Median days from start to completed go-live, by cohort and segment."""
    milestones, lists = _milestones(filters)
    statement, params = over_rows(f"""with {milestones}
        select {d.period_start(grain, 'start_date')} as cohort, segment,
               count(*) as accounts,
               count(completed_date) as live_accounts,
               percentile_cont(0.5) within group (order by completed_date - start_date) as median_days_to_live
        from milestones
        where milestone = 'go_live' and start_date >= :since
        group by 1, 2
        order by 1, 2""", lists)
    return fetch(wh, statement, {**params, "since": since})


# Accounts in onboarding now, one row each: narrowed to those accounts first, then each account's
# current onboarding milestones summed by a lateral subquery, one index probe of its term per
# account (a term is one account's). The accounts are read once, so PostgreSQL splits the probes
# over its workers; joining them to the milestones and grouping by account needed the accounts
# twice, which ran the probes in one process.
_NOW = f"""onboarding_accounts as (
            select account_id, name, segment, csm_name, team, arr, customer_since, onboarding_contract_id, as_of,
                   health_score, days_since_touch
            from in_scope
            where lifecycle_stage = 'onboarding'
        ),
        onboarding_now as (
            select o.account_id, o.name, o.segment, o.csm_name, o.team, o.arr, o.customer_since,
                   o.as_of - o.customer_since as days_in,
                   p.next_milestone, p.next_due_date,
                   case when p.next_due_date < o.as_of then o.as_of - p.next_due_date else 0 end as days_late,
                   coalesce(p.milestones_done, 0) as milestones_done,
                   coalesce(p.milestones_overdue, 0) as milestones_overdue,
                   coalesce(p.go_live_slipped, 0) = 1 as go_live_slipped,
                   p.went_live_on, o.health_score, o.days_since_touch
            from onboarding_accounts as o
            left join lateral (  -- no milestones recorded: one row of nulls, the account still listed
                select sum(case when m.completed_date is not null then 1 else 0 end) as milestones_done,
                       sum(case when m.state = 'overdue' then 1 else 0 end) as milestones_overdue,
                       max(case when m.is_next_open then m.milestone end) as next_milestone,
                       max(case when m.is_next_open then m.due_date end) as next_due_date,
                       max(case when m.milestone = 'go_live' and m.state in ('late', 'overdue') then 1 else 0 end)
                           as go_live_slipped,
                       max(case when m.milestone = 'go_live' then m.completed_date end) as went_live_on
                from (select t.milestone, t.due_date, t.completed_date, t.is_next_open,
                             {d.milestone_state('t', 'o.as_of')} as state
                      from onboarding_milestones_as_of as t
                      where t.contract_id = o.onboarding_contract_id) as m
            ) as p on true
        )"""

def in_onboarding(wh: Warehouse, filters: Filters, limit: int = d.LIST_LIMIT) -> pl.DataFrame:
    """Accounts in onboarding now, most behind first: next open milestone, days late, go-live status."""
    return _onboarding_rows(wh, filters, limit).drop(_TOTALS)


def onboarding_summary(wh: Warehouse, filters: Filters) -> dict:
    """Counts over every account in onboarding (the list above is capped)."""
    rows = _onboarding_rows(wh, filters, d.LIST_LIMIT)
    if rows.is_empty():
        return {"accounts": 0, "with_overdue": 0, "go_live_slipped": 0, "arr": 0.0}
    first = rows.row(0, named=True)
    return {name.removeprefix("total_"): first[name] for name in _TOTALS}


_TOTALS = ["total_accounts", "total_with_overdue", "total_go_live_slipped", "total_arr"]


@reads_writeback
def _onboarding_rows(wh: Warehouse, filters: Filters, limit: int) -> pl.DataFrame:
    """The capped list, each row carrying the totals over all of it (window aggregates run before
    the limit), so the page's tiles and list cost one query."""
    statement, params = scoped(wh, filters, f""", {_NOW}, {open_flags_cte(wh)}
        select o.*, coalesce(f.open_flags, 0) as open_flags,
               count(*) over () as total_accounts,
               sum(case when milestones_overdue > 0 then 1 else 0 end) over () as total_with_overdue,
               sum(case when go_live_slipped then 1 else 0 end) over () as total_go_live_slipped,
               coalesce(sum(arr) over (), 0) as total_arr
        from onboarding_now as o
        left join open_flags as f on f.account_id = o.account_id
        order by days_late desc, milestones_overdue desc, arr desc, o.account_id
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})
