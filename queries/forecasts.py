"""The renewal forecast a CSM owns: on an open renewal, a category (commit, likely, at risk, will
churn) and the ARR they expect, with a note. Written like every other write-back (queries.writeback):
validated first, checked against the writer's rights on the account, attributed, once per submitted
form, bumping the data version, and kept as history: a change is a new version, never an update.

The Renewals page's roll-up and accuracy read these rows (queries.forecast_rollup).
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from queries import definitions as d, labels, validate
from queries.db import Warehouse, fetch, forget_cached_writes, reads_writeback
from queries.validate import Rejected
from queries.writeback import NOTE_MAX, Writer, _account, _check_rights, _now, _serialised

EXPECTED_ARR_MAX = 1_000_000_000  # a typo guard: no single renewal is worth a billion a year


def latest_forecasts_cte(app_schema: str) -> str:
    """`latest_forecasts`: each renewal's newest forecast version (superseded versions drop out).
    Written as "no newer version exists", so that a join on renewal_id reaches it through the
    (renewal_id, version) index when the planner loops over a few renewals."""
    return f"""latest_forecasts as (
        select f.renewal_id, f.category, f.expected_arr, f.version, f.by_user, f.recorded_at
        from {app_schema}.renewal_forecasts as f
        where not exists (select 1 from {app_schema}.renewal_forecasts as newer
                          where newer.renewal_id = f.renewal_id and newer.version > f.version)
    )"""


# --- reads (cached; cleared after every write) ---------------------------------------------------
@reads_writeback
def open_renewals(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """The account's open renewals (usually one: the current term's), with the CRM's forecast and
    the latest CSM forecast, soonest first."""
    return fetch(wh, sa.text(f"""with {latest_forecasts_cte(wh.app_schema)}
        select r.renewal_id, r.due_date, r.stage, r.forecast, r.arr_up,
               l.category as csm_forecast, l.expected_arr, l.version, l.recorded_at,
               coalesce(c.name, l.by_user) as by_name
        from renewals_as_of as r
        left join latest_forecasts as l on l.renewal_id = r.renewal_id
        left join csms as c on lower(c.email) = l.by_user
        where r.account_id = :a and {d.renewal_still_open('r')}
        order by r.due_date, r.renewal_id"""), {"a": int(account_id)})


@reads_writeback
def history(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """Every version of every forecast on the account's renewals, newest first."""
    return fetch(wh, sa.text(f"""
        select r.due_date, f.version, f.category as csm_forecast, f.expected_arr, r.arr_up, f.note,
               f.by_user, coalesce(c.name, f.by_user) as by_name, f.recorded_at, r.outcome, r.arr_renewed
        from {wh.app_schema}.renewal_forecasts as f
        inner join renewals_as_of as r on r.renewal_id = f.renewal_id
        left join csms as c on lower(c.email) = f.by_user
        where f.account_id = :a
        order by r.due_date desc, f.version desc"""), {"a": int(account_id)})


# --- the write ------------------------------------------------------------------------------------
def _not_open(renewal) -> str:
    """Why a renewal takes no forecast: decided by the as-of day, or its term not begun by then."""
    if renewal["outcome"] is None:
        return "This renewal is not open on the as-of day: a forecast is recorded while a renewal is open."
    closed = f" on {renewal['closed_date']:%d %b %Y}" if renewal["closed_date"] else ""
    return (f"This renewal is decided ({labels.value('outcome', renewal['outcome']).lower()}{closed}): a "
            f"forecast is recorded while a renewal is open.")


def record_forecast(wh: Warehouse, writer: Writer, renewal_id, category: str, expected_arr, note: str | None,
                    submission: str | None = None) -> int:
    """Record a forecast on an open renewal; returns its new version number."""
    renewal_id = validate.renewal_id(renewal_id)
    category = validate.forecast_category(category, labels.CSM_FORECASTS)
    expected_arr = validate.dollars(expected_arr, "The expected ARR", EXPECTED_ARR_MAX)
    note = validate.text(note, "The note", NOTE_MAX, required=False)
    if category == "will_churn" and expected_arr > 0:
        raise Rejected(f"A renewal forecast to {labels.CSM_FORECASTS['will_churn'].lower()} renews no ARR: set the "
                       f"expected ARR to 0, or choose {labels.CSM_FORECASTS['at_risk'].lower()}.")
    with wh.engine.connect() as conn:
        renewal = conn.execute(sa.text(f"""select r.account_id, r.outcome, r.closed_date,
                   case when {d.renewal_still_open('r')} then 1 else 0 end as still_open
            from renewals_as_of as r where r.renewal_id = :r"""), {"r": renewal_id}).mappings().first()
        if renewal is None:
            raise Rejected(f"There is no renewal with the id {renewal_id}.")
        account = _account(conn, renewal["account_id"])
    _check_rights(writer, account)
    if not renewal["still_open"]:  # open as the account page lists it (open_renewals): one rule
        raise Rejected(_not_open(renewal))
    s = wh.app_schema
    with _serialised(wh, account["account_id"], writer, submission, "renewal forecast") as conn:
        latest = conn.execute(sa.text(f"""select version, category, expected_arr, note from {s}.renewal_forecasts
            where renewal_id = :r order by version desc limit 1"""), {"r": renewal_id}).mappings().first()
        if latest is not None and (latest["category"], float(latest["expected_arr"]), latest["note"]) == (
                category, expected_arr, note):
            raise Rejected("This is already the renewal's latest forecast (same category, expected ARR and note): "
                           "nothing was written.")
        version = (latest["version"] if latest else 0) + 1
        conn.execute(sa.text(f"""insert into {s}.renewal_forecasts
            (renewal_id, account_id, version, category, expected_arr, note, by_user, recorded_at)
            values (:r, :a, :v, :c, :e, :n, :by, :at)"""),
            {"r": renewal_id, "a": account["account_id"], "v": version, "c": category, "e": expected_arr,
             "n": note, "by": writer.email, "at": _now()})
    forget_cached_writes()
    return version
