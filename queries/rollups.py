"""Whole months from a monthly rollup, the ragged days at a period's edges from the rows it sums.

A year of renewals or surveys at 1M accounts is close to a million rows; their monthly rollups
(dbt marts grouped by month, CSM, segment and the value counted) are a fraction of that. A period
the page picks rarely starts and ends on a month's edge, so a statement reads the months wholly
inside it from the rollup and the days before and after them from the mart the rollup sums."""
from __future__ import annotations

import datetime as dt

from queries import definitions as d
from queries.scope import Filters, who_clauses, who_of_rows


def whole_months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """[from, to): the calendar months that lie wholly inside [start, end], which a monthly rollup
    answers; an empty range (from == to) when there is none."""
    first = start if start.day == 1 else _next_month(start)
    after = (end + dt.timedelta(days=1)).replace(day=1)
    return (first, after) if first < after else (start, start)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def renewals_due(filters: Filters, start: dt.date, end: dt.date) -> tuple[str, dict, dict]:
    """`due as (...)`: the renewals due in [start, end] that the who-filters keep (history: churned
    accounts too), as rows of month (of the due date), csm_id, team, role (of that CSM), segment,
    outcome, renewals, arr_up, arr_renewed and arr_kept, which queries.definitions' renewal rates
    sum. Whole months come from the renewals_monthly rollup, the other days from renewals_as_of (a
    row per renewal); a list of accounts, which the rollup does not keep, reads every day there.
    Returns the CTE, its list parameters (bind with scope.over_rows) and its other parameters."""
    whole_from, whole_to = whole_months(start, end) if not filters.account_ids else (start, start)
    who, _, _ = who_clauses(filters, "m.segment", "m.csm_id", "c.team")  # the lists are who_of_rows' own
    who_of_renewals, lists = who_of_rows(filters, "r")
    cte = f"""due as (
            select m.month, m.csm_id, c.team, c.role, m.segment, m.outcome, m.renewals,
                   m.arr_up, m.arr_renewed, m.arr_kept
            from renewals_monthly as m
            left join csms as c on c.csm_id = m.csm_id
            where m.month >= :whole_from and m.month < :whole_to{"".join(" and " + w for w in who)}
            union all
            select {d.period_start('month', 'r.due_date')}, r.csm_id, c.team, c.role, r.segment, r.outcome, 1,
                   r.arr_up, r.arr_renewed, r.arr_kept
            from renewals_as_of as r
            left join csms as c on c.csm_id = r.csm_id
            -- the days before the whole months and the days after them: two ranges on the index
            where ((r.due_date >= :start and r.due_date < :whole_from)
                   or (r.due_date >= :whole_to and r.due_date <= :end))
              and {who_of_renewals}
        )"""
    return cte, lists, {"start": start, "end": end, "whole_from": whole_from, "whole_to": whole_to}
