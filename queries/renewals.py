"""Renewals, for leadership: what is coming up (funnel), how we renewed (rates), per period."""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, cached, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.forecasts import latest_forecasts_cte
from queries.rollups import renewals_due
from queries.scope import Filters, over_rows, scoped


# Open renewals in scope, due within the funnel's horizon: what the funnel, its accounts and the
# CSM forecast roll-up (queries.forecast_rollup) count.
OPEN_RENEWALS = f"""open_renewals as (
        select r.renewal_id, r.account_id, r.due_date, r.stage, r.forecast, r.arr_up,
               r.due_date - i.as_of as days_to_due, i.name, i.segment, i.csm_name, i.team,
               i.health_score, i.health_band, i.health_drag, i.days_since_touch
        from renewals_open as r  -- the renewals still open on the as-of day (definitions.renewal_still_open)
        inner join in_scope as i on i.account_id = r.account_id
        where r.due_date - i.as_of <= {d.FUNNEL_HORIZON_DAYS}
    )"""


@cached
def funnel(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """Open renewals by due window, stage and forecast: how many and how much ARR."""
    statement, params = scoped(wh, filters, f""", {OPEN_RENEWALS}
        select {d.due_window('days_to_due')} as due_window, stage, forecast,
               count(*) as renewals, coalesce(sum(arr_up), 0) as arr_up
        from open_renewals
        group by 1, 2, 3
        order by 1, 2, 3""")
    return fetch(wh, statement, params)


@reads_writeback
def funnel_accounts(wh: Warehouse, filters: Filters, windows: tuple[str, ...] = (),
                    limit: int = d.LIST_LIMIT) -> pl.DataFrame:
    """The accounts behind the funnel (optionally some due windows), soonest first, capped; the
    CRM's forecast beside the latest CSM forecast and the ARR it expects."""
    window_filter = "where due_window in :windows" if windows else ""
    statement, params = scoped(wh, filters, f""", {OPEN_RENEWALS}, {open_flags_cte(wh)},
        {latest_forecasts_cte(wh.app_schema)},
        windowed as (
            select o.*, {d.due_window('o.days_to_due')} as due_window, coalesce(f.open_flags, 0) as open_flags,
                   coalesce(l.category, '{d.NO_FORECAST}') as csm_forecast, l.expected_arr
            from open_renewals as o
            left join open_flags as f on f.account_id = o.account_id
            left join latest_forecasts as l on l.renewal_id = o.renewal_id
        )
        select account_id, name, days_to_due < 0 as past_due, segment, csm_name, team, arr_up, due_date,
               days_to_due, due_window,
               stage, forecast, csm_forecast, expected_arr, health_score, health_band, health_drag, days_since_touch, open_flags
        from windowed
        {window_filter}
        order by days_to_due, arr_up desc, account_id
        limit :limit""", lists={"windows": list(windows)} if windows else None)
    return fetch(wh, statement, {**params, "limit": limit})


@cached
def rates(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, grain: str | None = None,
          by_segment: bool = False) -> pl.DataFrame:
    """Logo renewal rate, GRR and NRR of renewals due in [start, end], per period and/or segment, and
    whether the rates stand on fewer than SMALL_SAMPLE_BELOW decided renewals.

    grain None gives one row for the whole range (per segment if asked)."""
    period = d.period_start(grain, "month") if grain else "cast(:start as date)"  # periods hold whole months
    segment = "segment" if by_segment else "'all'"
    due, lists, params = renewals_due(filters, start, end)
    statement, binds = over_rows(f"""with {due}
        select {period} as period, {segment} as segment,
               {d.DECIDED} as decided, {d.RENEWED} as renewed, {d.CHURNED} as churned,
               {d.STILL_OPEN} as still_open, {d.ARR_UP} as arr_up,
               {d.LOGO_RENEWAL_RATE} as logo_renewal_rate, {d.GRR} as grr, {d.NRR} as nrr,
               {d.small_sample(d.DECIDED)} as small_sample
        from due
        group by 1, 2
        order by 1, 2""", lists)
    return fetch(wh, statement, {**binds, **params})
