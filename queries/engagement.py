"""CS activity: who is being touched, how often, and who is being neglected (seeds 000, 004)."""
from __future__ import annotations

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.scope import AS_OF, Filters, activities_cte, scoped
from warehouse.schema import ACTIVITY_KINDS

WEEKS = 12


@reads_writeback
def weekly_by_kind(wh: Warehouse, filters: Filters, weeks: int = WEEKS) -> pl.DataFrame:
    """Activities on the accounts in scope per week (Monday to Sunday) and kind: the last `weeks`
    whole weeks and the current one so far. The first week starts on a Monday, so no bar is a
    fragment of a week except the current one (the page marks it)."""
    statement, params = scoped(wh, filters, f""", {activities_cte(wh)}
        select cast(date_trunc('week', t.happened_at) as date) as week, t.kind, count(*) as activities
        from activities as t
        inner join in_scope as i on i.account_id = t.account_id
        where cast(t.happened_at as date) >= cast(date_trunc('week', i.as_of) as date) - :days
          and cast(t.happened_at as date) <= i.as_of
          and t.happened_at >= cast(cast(date_trunc('week', {AS_OF}) as date) - :days as timestamp)
        group by 1, 2
        order by 1, 2""")
    return fetch(wh, statement, {**params, "days": 7 * weeks})


_PER_KIND = ", ".join(
    f"sum(case when t.kind = '{k}' then 1 else 0 end) / cast(:weeks as double precision) as {k}_per_week"
    for k in ACTIVITY_KINDS)


@reads_writeback
def per_csm(wh: Warehouse, filters: Filters, weeks: int = WEEKS) -> pl.DataFrame:
    """Each CSM's activities per week, by kind, over the last `weeks` weeks, on accounts in scope
    (counted for the CSM who did them)."""
    statement, params = scoped(wh, filters, f""", {activities_cte(wh)}
        select c.csm_id, c.name as csm_name, c.team, count(*) / cast(:weeks as double precision) as per_week,
               {_PER_KIND}
        from activities as t
        inner join in_scope as i on i.account_id = t.account_id
        inner join csms as c on c.csm_id = t.csm_id
        where cast(t.happened_at as date) > i.as_of - :days and cast(t.happened_at as date) <= i.as_of
          and t.happened_at >= cast({AS_OF} - :days + 1 as timestamp)
        group by c.csm_id, c.name, c.team
        order by c.team, c.name""")
    return fetch(wh, statement, {**params, "days": 7 * weeks, "weeks": weeks})


@reads_writeback
def cadence(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """Per CSM, this quarter so far: business reviews and on-site visits done on their live
    accounts against the segment's cadence (due in proportion to the quarter gone by), and the
    accounts left without a conversation for too long."""
    statement, params = scoped(wh, filters, f""",
        elapsed as (
            select q_start, cast(as_of - q_start + 1 as double precision)
                            / (cast(q_start + interval '3 months' as date) - q_start) as share
            from (select cast(date_trunc('quarter', max(as_of)) as date) as q_start, max(as_of) as as_of
                  from account_snapshot) as quarter
        )
        select i.csm_id, i.csm_name, i.team, count(*) as accounts,
               sum(i.business_reviews_qtd) as reviews_done,
               sum({d.cadence('i.segment', 'business_review')}) * max(e.share) as reviews_due,
               sum(i.onsite_visits_qtd) as visits_done,
               sum({d.cadence('i.segment', 'onsite_visit')}) * max(e.share) as visits_due,
               sum(case when {d.too_long_without_touch('i')} then 1 else 0 end) as neglected,
               max(e.q_start) as quarter_start
        from in_scope as i
        cross join elapsed as e
        where i.is_live
        group by i.csm_id, i.csm_name, i.team
        order by i.team, i.csm_name""")
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
