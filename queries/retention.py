"""Retention, for leadership: where ARR came from and went (bridge), why accounts left (churn
reasons), and how signing cohorts hold up over time."""
from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from queries import definitions as d
from queries.db import Warehouse, cached, fetch, reads_writeback
from queries.scope import Filters, over_rows, scoped, who_clauses, who_of_rows



def arr_bridge(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, by_segment: bool = False) -> pl.DataFrame:
    """Start ARR + new + expansion - contraction - churn = end ARR over [start, end], with logo counts:
    one row for the whole scope, or one per segment."""
    rows = _arr_bridge_rows(wh, filters, start, end)
    return rows.filter((pl.col("segment") != "all") if by_segment else (pl.col("segment") == "all"))


# The rows of arr_changes_daily in a period that the who-filters keep (`who`, over the mart's own
# segment and CSM, with the CSM's row as `c`), each marked as the account's first and last in it
_CHANGES_IN_PERIOD = """
    select x.account_id, x.segment, x.arr_before, x.arr_after, x.churned,
           (x.previous_change_day is null or x.previous_change_day <= :opening) as is_first,
           (x.next_change_day is null or x.next_change_day > :closing) as is_last
    from arr_changes_daily as x
    left join csms as c on c.csm_id = x.csm_id
    where x.day > :opening and x.day <= :closing and {who}"""


@cached
def _arr_bridge_rows(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The bridge per segment and in total, from one pass (the total sums the segments). arr_changes_daily carries
    each account's segment and CSM, so the who-filters apply to its rows and no book is joined
    (hashing 1.4M accounts was most of the statement at 1M)."""
    who, lists = who_of_rows(filters.for_history(), "x")
    changes_in_period = _CHANGES_IN_PERIOD.format(who=who)
    statement, params = over_rows(f"""with
        per_account as (
            -- ARR at the close of the day before the period and at the close of its last day, by
            -- arr_changes_daily, and whether a term churned in the period. A term that churns on the
            -- period's last day is a churn of this period, once. An account whose term churned inside
            -- the period and that is back by its end is a churn plus a new (win-back). One row per
            -- account with ARR in the period; only those that changed more than once are grouped.
            -- no change: the row that holds at both closes
            select x.account_id, x.segment, x.arr_after as start_arr, x.arr_after as end_arr, 0 as churned_in_period
            from arr_changes_daily as x
            left join csms as c on c.csm_id = x.csm_id
            where {d.arr_holds_at_close('x', ':opening')} and {d.arr_holds_at_close('x', ':closing')}
              and x.arr_after > 0 and {who}
            union all
            -- one change: from the ARR before it to the ARR after it
            select p.account_id, p.segment, p.arr_before, p.arr_after, case when p.churned then 1 else 0 end
            from ({changes_in_period}) as p
            where p.is_first and p.is_last
            union all
            -- several: from the first's ARR before to the last's ARR after
            select p.account_id, p.segment, sum(case when p.is_first then p.arr_before end),
                   sum(case when p.is_last then p.arr_after end), max(case when p.churned then 1 else 0 end)
            from ({changes_in_period}) as p
            where not (p.is_first and p.is_last)
            group by p.account_id, p.segment
        ),
        classified as (
            select p.segment, p.start_arr, p.end_arr,
                   p.churned_in_period = 1 and p.start_arr > 0 and p.end_arr > 0 as churned_and_back
            from per_account as p
        ),
        per_segment as (
            -- a plain grouping per segment, which PostgreSQL splits over its workers (grouping sets
            -- over a row per account ran in one process); the total adds the segments up
            select segment,
                   sum(start_arr) as start_arr,
                   sum(case when (start_arr = 0 and end_arr > 0) or churned_and_back then end_arr else 0 end) as new_arr,
                   sum({d.bridge_expansion('start_arr', 'end_arr', 'churned_and_back')}) as expansion,
                   sum(case when start_arr > 0 and end_arr > 0 and end_arr < start_arr and not churned_and_back
                            then start_arr - end_arr else 0 end) as contraction,
                   sum(case when (start_arr > 0 and end_arr = 0) or churned_and_back then start_arr else 0 end) as churn,
                   sum(end_arr) as end_arr,
                   sum(case when start_arr > 0 then 1 else 0 end) as accounts_start,
                   sum(case when (start_arr = 0 and end_arr > 0) or churned_and_back then 1 else 0 end) as accounts_new,
                   sum(case when (start_arr > 0 and end_arr = 0) or churned_and_back then 1 else 0 end)
                       as accounts_churned,
                   sum(case when end_arr > 0 then 1 else 0 end) as accounts_end
            from classified
            group by segment
        ),
        with_total as (
            select segment, 0 as is_total, start_arr, new_arr, expansion, contraction, churn, end_arr,
                   accounts_start, accounts_new, accounts_churned, accounts_end
            from per_segment
            union all
            select 'all', 1, sum(start_arr), sum(new_arr), sum(expansion), sum(contraction), sum(churn), sum(end_arr),
                   sum(accounts_start), sum(accounts_new), sum(accounts_churned), sum(accounts_end)
            from per_segment
        )
        select segment, start_arr, new_arr, expansion, contraction, churn, end_arr,
               accounts_start, accounts_new, accounts_churned, accounts_end,
               cast(accounts_churned as double precision) / nullif(accounts_start, 0) as churn_rate
        from with_total
        where start_arr > 0 or end_arr > 0
        order by is_total, segment""", lists)
    return fetch(wh, statement, {**params, "opening": start - dt.timedelta(days=1), "closing": end})


def _latest_tags(wh: Warehouse) -> str:
    s = wh.app_schema
    return f"""latest_tags as (
        select t.account_id, t.primary_reason
        from {s}.churn_tags as t
        inner join (select account_id, max(version) as version from {s}.churn_tags group by account_id) as newest
            on newest.account_id = t.account_id and newest.version = t.version
    )"""


@reads_writeback
def churn_reasons(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Churned logos and ARR due in [start, end] by quarter, segment and primary reason.
    Accounts nobody tagged yet are 'Untagged', never dropped."""
    who, lists = who_of_rows(filters, "r")  # the mart carries the account's segment and CSM
    statement, params = over_rows(f"""with {_latest_tags(wh)},
        churned as (
            select r.account_id, r.due_date, r.arr_up, r.segment
            from renewals_as_of as r
            left join csms as c on c.csm_id = r.csm_id
            where r.outcome = 'churned' and r.due_date >= :start and r.due_date <= :end and {who}
        )
        select {d.period_start('quarter', 'c.due_date')} as quarter, c.segment,
               coalesce(cr.label, 'Untagged') as reason, count(*) as logos, sum(c.arr_up) as arr
        from churned as c
        left join latest_tags as lt on lt.account_id = c.account_id
        left join {wh.app_schema}.churn_reasons as cr on cr.code = lt.primary_reason
        group by 1, 2, 3
        order by 1, 2, 3""", lists)
    return fetch(wh, statement, {**params, "start": start, "end": end})


@reads_writeback
def untagged_churns(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, limit: int = 200) -> pl.DataFrame:
    """Churned accounts due in [start, end] that nobody has tagged yet, largest ARR first: the
    backlog the bulk tagging form offers."""
    statement, params = scoped(wh, filters.for_history(), f""", {_latest_tags(wh)}
        select i.account_id, i.name, max(r.arr_up) as arr_up
        from renewals_as_of as r
        inner join in_scope as i on i.account_id = r.account_id
        left join latest_tags as lt on lt.account_id = r.account_id
        where r.outcome = 'churned' and r.due_date >= :start and r.due_date <= :end and lt.account_id is null
        group by i.account_id, i.name
        order by arr_up desc, i.account_id
        limit :limit""", who_only=True)
    return fetch(wh, statement, {**params, "start": start, "end": end, "limit": limit})


@cached
def cohort_retention(wh: Warehouse, filters: Filters, since: dt.date) -> pl.DataFrame:
    """Logo and ARR retention by signing quarter, every 3 months after each account's own start,
    summed from the cohort_retention rollup for the who-filters (segment, team, CSM)."""
    clauses, params, binds = who_clauses(filters, "r.segment", "r.csm_id", "c.team")
    statement = sa.text(f"""
        with cells as (
            select r.cohort, r.months, sum(r.accounts_observed) as accounts_observed,
                   sum(r.accounts_live) as accounts_live, sum(r.arr) as arr
            from cohort_retention as r
            left join csms as c on c.csm_id = r.csm_id
            where r.cohort >= :since {"".join(" and " + c for c in clauses)}
            group by r.cohort, r.months
        ),
        cohorts as (
            select cohort, accounts_observed as cohort_size, arr as start_arr from cells where months = 0
        )
        select c.cohort, c.months, k.cohort_size, c.accounts_live, c.arr,
               cast(c.accounts_live as double precision) / k.cohort_size as logo_retention,
               c.arr / nullif(k.start_arr, 0) as arr_retention
        from cells as c
        inner join cohorts as k on k.cohort = c.cohort
        where c.accounts_observed = k.cohort_size
        order by c.cohort, c.months""").bindparams(*binds)
    return fetch(wh, statement, {**params, "since": since})
