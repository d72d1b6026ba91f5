"""The CSM forecast on the Renewals page: the latest forecasts rolled up against the ARR up for
renewal (beside the CRM's forecast), and, once renewals close, how accurate the forecasts were.
Both read the small app table joined to the renewals in scope."""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries import labels
from queries.db import Warehouse, fetch, reads_writeback
from queries.forecasts import latest_forecasts_cte
from queries.renewals import OPEN_RENEWALS
from queries.scope import Filters, over_rows, scoped, who_of_rows

# The roll-up's selectable breakdown: option -> the open_renewals column it groups by (allow-list).
BREAKDOWNS = {"category": None, "segment": "segment", "team": "team", "csm": "csm_name"}
BREAKDOWN_LABELS = {"category": "Category only", "segment": "Segment", "team": "Team", "csm": "CSM"}
_ORDER = [*d.FORECAST_CATEGORIES, d.NO_FORECAST]


def _group(by: str | None, column_of: dict) -> str:
    if by not in column_of:
        raise ValueError(f"unknown breakdown: {by!r}")  # a programming error, never SQL
    column = column_of[by]
    return "'all'" if column is None else f"coalesce({column}, :unassigned)"


def _category_order(column: str) -> str:
    return "case " + " ".join(f"when {column} = '{c}' then {i}" for i, c in enumerate(_ORDER)) + " end"


@reads_writeback
def rollup(wh: Warehouse, filters: Filters, by: str = "category") -> pl.DataFrame:
    """Open renewals (the funnel's) by group and latest CSM forecast category ('no_forecast' when
    none): how many, ARR up, the ARR the forecasts expect, and the CRM's forecast of the same ARR."""
    crm = ", ".join(f"coalesce(sum(case when forecast = '{code}' then arr_up else 0 end), 0) as crm_{code}_arr"
                    for code in labels.FORECASTS)
    statement, params = scoped(wh, filters, f""", {OPEN_RENEWALS}, {latest_forecasts_cte(wh.app_schema)},
        called as (
            select o.*, coalesce(l.category, '{d.NO_FORECAST}') as csm_forecast, l.expected_arr
            from open_renewals as o
            left join latest_forecasts as l on l.renewal_id = o.renewal_id
        )
        select {_group(by, BREAKDOWNS)} as grp, csm_forecast,
               count(*) as renewals, coalesce(sum(arr_up), 0) as arr_up, sum(expected_arr) as expected_arr,
               {crm}
        from called
        group by 1, 2
        order by 1, {_category_order('csm_forecast')}""")
    return fetch(wh, statement, {**params, "unassigned": labels.UNASSIGNED})


# Accuracy: per CSM (the account's CSM today, as the other history pages) or for everyone.
ACCURACY_BREAKDOWNS = {"all": None, "csm": "csm_name"}


def _called_at(wh: Warehouse, filters: Filters, weeks: tuple[int, ...], select: str) -> tuple:
    """`select` over `called`: the decided renewals due in [:start, :end] and in scope, once per k
    of `weeks`, with the forecast that stood k weeks before its due date (the newest version
    recorded on or before that day; null when none). Each row stands for `renewals` renewals:
    a renewal with a forecast recorded at any time is a row of its own; those never forecast (most of
    a large book) are one row per CSM and outcome with their count and ARR summed, so a view reads a
    few thousand rows per k instead of every renewal k times."""
    weeks_rows = ", ".join(f"({int(k)})" for k in weeks)  # integers from definitions, never user text
    who, lists = who_of_rows(filters, "r")  # the mart carries the account's segment and CSM
    forecasts = f"{wh.app_schema}.renewal_forecasts"
    return over_rows(f"""with decided as (
            select r.renewal_id, r.due_date, r.outcome, r.arr_up, r.arr_renewed, c.name as csm_name,
                   e.renewal_id is not null as ever_forecast
            from renewals_as_of as r
            left join csms as c on c.csm_id = r.csm_id
            left join (select distinct renewal_id from {forecasts}) as e on e.renewal_id = r.renewal_id
            where r.outcome is not null and r.due_date >= :start and r.due_date <= :end and {who}
        ),
        weeks as (select weeks_before from (values {weeks_rows}) as w (weeks_before)),
        standing as (
            select dc.renewal_id, w.weeks_before, f.category, f.expected_arr,
                   row_number() over (partition by dc.renewal_id, w.weeks_before order by f.version desc) as newest
            from decided as dc
            cross join weeks as w
            inner join {forecasts} as f
                on f.renewal_id = dc.renewal_id
               and cast(f.recorded_at as date) <= {d.forecast_cutoff('dc.due_date', 'w.weeks_before')}
            where dc.ever_forecast
        ),
        never_forecast as (
            select csm_name, outcome, count(*) as renewals, sum(arr_up) as arr_up, sum(arr_renewed) as arr_renewed
            from decided
            where not ever_forecast
            group by csm_name, outcome
        ),
        called as (
            select w.weeks_before, dc.csm_name, dc.outcome, 1 as renewals, dc.arr_up, dc.arr_renewed,
                   s.category, s.expected_arr
            from decided as dc
            cross join weeks as w
            left join standing as s on s.renewal_id = dc.renewal_id and s.weeks_before = w.weeks_before
                                   and s.newest = 1
            where dc.ever_forecast
            union all
            select w.weeks_before, n.csm_name, n.outcome, n.renewals, n.arr_up, n.arr_renewed,
                   cast(null as varchar), cast(null as double precision)
            from never_forecast as n
            cross join weeks as w
        )
        {select}""", lists)


@reads_writeback
def accuracy(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, by: str = "all",
             weeks: tuple[int, ...] = d.FORECAST_WEEKS_BEFORE_DUE) -> pl.DataFrame:
    """Per k weeks before due (and CSM): decided renewals, how many had a forecast then, expected
    against renewed ARR, the error, and how often the call matched the outcome."""
    statement, params = _called_at(wh, filters, weeks, f"""
        select weeks_before, {_group(by, ACCURACY_BREAKDOWNS)} as grp,
               cast(sum(renewals) as bigint) as decided, count(category) as forecast, {d.FORECAST_COVERAGE} as coverage,
               sum(expected_arr) as expected_arr,
               sum(case when category is not null then arr_renewed end) as renewed_arr,
               {d.FORECAST_BIAS} as bias, {d.FORECAST_ERROR_SHARE} as error_share,
               {d.FORECAST_HIT_RATE} as hit_rate, {d.FORECAST_MISSED_CHURN} as missed_churn,
               {d.FORECAST_FALSE_ALARM} as false_alarm
        from called
        group by 1, 2
        order by 1, 2""")
    return fetch(wh, statement, {**params, "start": start, "end": end, "unassigned": labels.UNASSIGNED})


@reads_writeback
def category_vs_outcome(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date,
                        weeks_before: int) -> pl.DataFrame:
    """Decided renewals by the forecast category that stood k weeks before due against the
    outcome: how many and their ARR up, expected and renewed."""
    if weeks_before not in d.FORECAST_WEEKS_BEFORE_DUE:
        raise ValueError(f"unknown weeks before due: {weeks_before!r}")
    no_forecast = f"coalesce(category, '{d.NO_FORECAST}')"
    statement, params = _called_at(wh, filters, (weeks_before,), f"""
        select {no_forecast} as csm_forecast, outcome, cast(sum(renewals) as bigint) as renewals,
               sum(arr_up) as arr_up, sum(expected_arr) as expected_arr, sum(arr_renewed) as arr_renewed
        from called
        group by 1, 2
        order by {_category_order(no_forecast)}, 2""")
    return fetch(wh, statement, {**params, "start": start, "end": end})
