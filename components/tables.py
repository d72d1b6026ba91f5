"""Every table of the app through one helper: human headers and values (queries/labels.py), one
format per kind of number (whole dollars, percentages to one decimal, dates without times, "–" for
empty), status cells in red/amber/green by what they mean, key columns first, and a CSV beside
each with the same headers and the raw numbers."""
from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

from components import notices
from components.charts import MEANING, NEUTRAL, RAG
from components.safe_text import spreadsheet_frame
from queries import labels
from queries.definitions import DEFINITIONS, SIGNAL_RULES, SMALL_SAMPLE_BELOW

ACCOUNT_PAGE = "pages/account.py"
_GENERATION = "tables_generation"  # bumped when a row opens an account, so no table stays selected
MONEY_FORMAT = "$%,.0f"  # whole dollars; tiles abbreviate ($1.2M) through kpi.money
EMPTY = "–"
WRAPPED_ROW_HEIGHT = 65  # three lines of text: Streamlit wraps a cell's text only in rows taller than 4rem (64 px)
WRAPPED_ROWS_SHOWN = 8   # a table of wrapped rows is this many rows high (Streamlit's auto height shows about 5)


def money(label: str, help: str | None = None, **kwargs) -> dict:
    return st.column_config.NumberColumn(label, format=MONEY_FORMAT, help=help, **kwargs)


def percent(label: str, help: str | None = None, **kwargs) -> dict:
    """A share (0.862) shown as a percentage to one decimal (86.2%)."""
    return st.column_config.NumberColumn(label, format="percent", step=0.001, help=help, **kwargs)


def share_bar(label: str, max_value: float = 1.0, help: str | None = None) -> dict:
    """A share as a bar, grey: the bar cannot change colour per row, so the row's chip says good or bad."""
    return st.column_config.ProgressColumn(label, min_value=0, max_value=max_value, format="percent", step=0.001,
                                           help=help, color=NEUTRAL)


def date(label: str, help: str | None = None) -> dict:
    return st.column_config.DateColumn(label, format="YYYY-MM-DD", help=help)


def ordered(columns: dict, first: list[str]) -> dict:
    """The same columns with `first` leading, in that order (tables show columns in dict order)."""
    return {**{c: columns[c] for c in first if c in columns}, **columns}


ACCOUNT_COLUMNS = {  # the columns that decide what to do first: account, health, why, ARR, renewal, touch, flags
    "account_id": None,
    "name": st.column_config.TextColumn("Account", pinned=True),
    "health_score": st.column_config.ProgressColumn("Health", min_value=0, max_value=100, format="%.0f",
                                                    help=DEFINITIONS["avg_health"], color=NEUTRAL, width=90),
    "health_band": st.column_config.TextColumn("Band", help=DEFINITIONS["health_band"], width=88),  # "No score" whole
    "why": st.column_config.TextColumn("Why it is here", width="medium",
                                       help="Open flags, red health, a renewal within 90 days and firing signals "
                                            "(in a few words each: see the signal rules)."),
    "arr": money("ARR"),
    "renewal_due_date": date("Renewal due"),
    "days_since_touch": st.column_config.NumberColumn("Last touch", format="%d days",
                                                      help=DEFINITIONS["days_since_touch"]),
    "open_flags": st.column_config.NumberColumn("Open flags", help="Risk flags raised and not yet resolved."),
    "signals": st.column_config.NumberColumn("Signals", help="Signal rules firing now (see the list below)."),
    "days_to_renewal": st.column_config.NumberColumn("Days to renewal", help="Negative: days past due."),
    "health_change_4w": st.column_config.NumberColumn("Δ 4 weeks", format="%+.0f",
                                                      help="Change since the snapshot four weeks earlier."),
    "health_drag": st.column_config.TextColumn("Pulled down most by", help=DEFINITIONS["health_drag"]),
    "renewal_forecast": st.column_config.TextColumn("Forecast"),
    "segment": st.column_config.TextColumn("Segment"),
    "lifecycle_stage": st.column_config.TextColumn("Stage", help=DEFINITIONS["lifecycle_stage"]),
    "activity_tier": st.column_config.TextColumn("Activity", help=DEFINITIONS["activity_tier"]),
    "csm_name": st.column_config.TextColumn("CSM"),
    "team": st.column_config.TextColumn("Team"),
}


def _unit(config: dict | None) -> str | None:
    """The unit a number column's format writes after each value ("%d days": days), if any."""
    found = re.fullmatch(r"%[^a-zA-Z ]*[dfi] ([a-z]+)", ((config or {}).get("type_config") or {}).get("format") or "")
    return found.group(1) if found else None


def csv_text(frame: pl.DataFrame, columns: dict | None = None) -> str:
    """A table's CSV: the screen's headers and words, the raw numbers, every column (ids and emails
    too); text that starts like a formula reaches the spreadsheet as text."""
    headers: dict[str, str] = {}
    for name in frame.columns:
        config = (columns or {}).get(name)
        header = (config or {}).get("label") or labels.column(name)
        if unit := _unit(config):  # the screen says "36 days" in each cell; the CSV's cell is 36
            header += f" ({unit})"
        while header in headers.values():
            header += f" ({name})"
        headers[name] = header
    return spreadsheet_frame(labels.humanize(frame)).rename(headers).write_csv()


def download_csv(frame: pl.DataFrame, filename: str, key: str, columns: dict | None = None) -> None:
    st.download_button("Download CSV", csv_text(frame, columns), file_name=filename, mime="text/csv",
                       key=key, icon=":material/download:")


def account_table(frame: pl.DataFrame, key: str, filename: str, columns: dict | None = None,
                  empty: str = "accounts", row_height: int | None = None) -> None:
    """An account list: formatted columns, no index, and its CSV export; a notice when empty."""
    if frame.is_empty():
        notices.no_rows(empty)
        return
    data_table(frame, key, filename, columns or ACCOUNT_COLUMNS, row_height=row_height)


RENEWAL_COLUMNS = ordered({
    **ACCOUNT_COLUMNS,
    "past_due": st.column_config.CheckboxColumn("Past due", help="The term has ended and the renewal is still open."),
    "arr_up": money("ARR up"),
    "due_date": date("Due"),
    "days_to_due": st.column_config.NumberColumn("Days to due", help="Negative: days past due."),
    "due_window": st.column_config.TextColumn("Window", help=DEFINITIONS["due_window"]),
    "stage": st.column_config.TextColumn("Stage"),
    "forecast": st.column_config.TextColumn("CRM forecast", help="The CRM's forecast column."),
    "csm_forecast": st.column_config.TextColumn("CSM forecast", help=DEFINITIONS["csm_forecast"]),
    "expected_arr": money("Expected ARR", help="The ARR the latest CSM forecast expects."),
}, ["account_id", "name", "health_score", "health_band", "arr_up", "due_date", "days_to_due", "forecast",
    "csm_forecast", "expected_arr", "stage", "past_due", "days_since_touch", "open_flags"])

SIGNAL_COLUMNS = ordered({
    **ACCOUNT_COLUMNS,
    "rule": None, "kind": None, "value": None, "threshold": None,
    "label": st.column_config.TextColumn("Signal"),
    "severity": st.column_config.NumberColumn("Severity", format="%d", help="3: act today, 2: this week, 1: keep an eye on it."),
    "evidence": st.column_config.TextColumn("Evidence", width="large", help="The value that fired the rule, against its threshold."),
    "since": date("Since", help="When the rule started to hold (see the rules)."),
}, ["account_id", "name", "label", "severity", "evidence", "since", "arr"])

CHANGE_COLUMNS = ordered({
    **ACCOUNT_COLUMNS,
    "change": st.column_config.TextColumn("Change", help=DEFINITIONS["change"]),
    "changed_on": date("When"),
    "detail": st.column_config.TextColumn("What", width=280),  # wrapped: health, band and ARR stay on screen
}, ["account_id", "name", "change", "changed_on", "detail", "health_score", "health_band", "arr"])

HEALTH_PART_COLUMNS = {
    "label": st.column_config.TextColumn("Component"),
    "description": st.column_config.TextColumn("Measures", width="large"),
    "weight": percent("Weight", help="The component's weight in the score."),
    "effective_weight": percent("Carries", help="Its weight once components with no data are left out and their weight "
                                          "spread over the others in proportion."),
    "value": st.column_config.NumberColumn("Value", format="%.0f", help="The component's own score, 0-100."),
    "points": st.column_config.NumberColumn("Points", format="%.1f", help="Carries x value: what it adds to the score."),
    "points_lost": st.column_config.NumberColumn("Points lost", format="%.1f",
                                                 help="Carries x (100 - value): what it costs the score."),
}

MILESTONE_COLUMNS = {
    "milestone": st.column_config.TextColumn("Milestone"),
    "day_offset": st.column_config.NumberColumn("Day", help="Days after the start of the onboarding term."),
    "due_date": date("Due"),
    "completed_date": date("Completed"),
    "state": st.column_config.TextColumn("State", help=DEFINITIONS["milestone_state"]),
}

# People are shown by name; their emails stay in the CSV export only.
_SEVERITY = st.column_config.NumberColumn("Severity", format="%d", help="3 high, 2 medium, 1 low.")
_OVERDUE = st.column_config.CheckboxColumn("Overdue", help="Open and past its follow-up date.")
FLAG_COLUMNS = {
    "flag_id": st.column_config.NumberColumn("Flag", format="%d"),
    "status": st.column_config.TextColumn("Status"),
    "overdue": _OVERDUE,
    "severity": _SEVERITY,
    "reason": st.column_config.TextColumn("Reason", width="large"),
    "owner": None,
    "owner_name": st.column_config.TextColumn("Follow-up owner"),
    "due_date": date("Follow up by"),
    "age_days": st.column_config.NumberColumn("Age (days)", help="Days since the flag was raised."),
    "raised_by": None,
    "raised_by_name": st.column_config.TextColumn("Raised by"),
    "raised_at": st.column_config.DatetimeColumn("Raised at (UTC)", format="YYYY-MM-DD HH:mm"),
    "resolved_by": None,
    "resolved_at": st.column_config.DatetimeColumn("Resolved at (UTC)", format="YYYY-MM-DD HH:mm"),
    "resolution": st.column_config.TextColumn("Outcome", width="medium"),
}

FOLLOWUP_COLUMNS = {  # what decides the order (overdue, severity, due, ARR) first, then the reason
    "account_id": None,
    "account": st.column_config.TextColumn("Account", pinned=True),
    "overdue": _OVERDUE,
    "severity": _SEVERITY,
    "due_date": date("Due"),
    "days_to_due": st.column_config.NumberColumn("Days to due", help="Negative: days overdue."),
    "arr": money("ARR"),
    "reason": st.column_config.TextColumn("Reason", width="medium"),
    "owner": None,
    "owner_name": st.column_config.TextColumn("Owner"),
    "raised_by": None,
    "raised_by_name": st.column_config.TextColumn("Raised by"),
    "age_days": st.column_config.NumberColumn("Age (days)", help="Days since the flag was raised."),
    "flag_id": st.column_config.NumberColumn("Flag", format="%d"),
    "csm_name": st.column_config.TextColumn("Account's CSM"),
    "team": st.column_config.TextColumn("Team"),
}

FLAG_EVENT_COLUMNS = {
    "flag_id": st.column_config.NumberColumn("Flag", format="%d"),
    "event_id": None,
    "reason": st.column_config.TextColumn("Flag reason"),
    "event": st.column_config.TextColumn("What"),
    "owner": None,
    "owner_name": st.column_config.TextColumn("Owner"),
    "due_date": date("Follow up by"),
    "note": st.column_config.TextColumn("Note", width="large"),
    "by_user": None,
    "by_name": st.column_config.TextColumn("By"),
    "event_at": st.column_config.DatetimeColumn("At (UTC)", format="YYYY-MM-DD HH:mm"),
}

TAG_COLUMNS = {
    "version": st.column_config.NumberColumn("Version", format="%d"),
    "primary_reason": st.column_config.TextColumn("Primary reason"),
    "reasons": st.column_config.TextColumn("All reasons"),
    "note": st.column_config.TextColumn("Note", width="large"),
    "tagged_by": None,
    "tagged_by_name": st.column_config.TextColumn("Tagged by"),
    "tagged_at": st.column_config.DatetimeColumn("Tagged at (UTC)", format="YYYY-MM-DD HH:mm"),
}

TIMELINE_COLUMNS = {
    "occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
    "what": st.column_config.TextColumn("What"),
    "detail": st.column_config.TextColumn("Detail", width="large"),
    "by_whom": st.column_config.TextColumn("By"),
}

CONTACT_COLUMNS = {
    "name": st.column_config.TextColumn("Name"),
    "title": st.column_config.TextColumn("Title"),
    "tier": st.column_config.TextColumn("Tier", help="S: decision maker or sponsor; A: key user; B: other."),
    "is_champion": st.column_config.CheckboxColumn("Champion"),
    "email": st.column_config.TextColumn("Email"),
    "left_at": date("Left"),
}

FORECAST_ROLLUP_COLUMNS = {
    "segment": st.column_config.TextColumn("Segment"),
    "team": st.column_config.TextColumn("Team"),
    "csm_name": st.column_config.TextColumn("CSM"),
    "csm_forecast": st.column_config.TextColumn("CSM forecast", help=DEFINITIONS["csm_forecast"]),
    "renewals": st.column_config.NumberColumn("Renewals", help=DEFINITIONS["due_window"]),
    "arr_up": money("ARR up"),
    "expected_arr": money("Expected ARR", help=DEFINITIONS["expected_arr"]),
    **{f"crm_{code}_arr": money(f"CRM: {label.lower()}", help=f"ARR up of these renewals the CRM forecasts "
                                                              f"{label.lower()}.")
       for code, label in labels.FORECASTS.items()},
}

FORECAST_ACCURACY_COLUMNS = {
    "weeks_before": st.column_config.NumberColumn("Weeks before due", format="%d",
                                                  help="The forecast that stood this many weeks before the due date."),
    "csm_name": st.column_config.TextColumn("CSM", help="The account's CSM today."),
    "decided": st.column_config.NumberColumn("Decided", help="Renewals due in the period with an outcome."),
    "forecast": st.column_config.NumberColumn("With a forecast"),
    "coverage": percent("Coverage", help=DEFINITIONS["forecast_coverage"]),
    "expected_arr": money("Expected ARR", help="Summed over the renewals with a forecast."),
    "renewed_arr": money("Renewed ARR", help="Summed over the renewals with a forecast."),
    "bias": money("Expected − renewed", help=DEFINITIONS["forecast_bias"]),
    "error_share": percent("Forecast error", help=DEFINITIONS["forecast_error_share"]),
    "hit_rate": percent("Call matched", help=DEFINITIONS["forecast_hit_rate"]),
    "missed_churn": st.column_config.NumberColumn("Commit/likely that churned",
                                                  help=DEFINITIONS["forecast_missed_churn"]),
    "false_alarm": st.column_config.NumberColumn("At risk/will churn that renewed",
                                                 help=DEFINITIONS["forecast_false_alarm"]),
}

FORECAST_OUTCOME_COLUMNS = {
    "csm_forecast": st.column_config.TextColumn("CSM forecast then", help=DEFINITIONS["csm_forecast"]),
    "outcome": st.column_config.TextColumn("Outcome"),
    "renewals": st.column_config.NumberColumn("Renewals"),
    "arr_up": money("ARR up"),
    "expected_arr": money("Expected ARR"),
    "arr_renewed": money("Renewed ARR"),
}

FORECAST_HISTORY_COLUMNS = {
    "due_date": date("Renewal due"),
    "version": st.column_config.NumberColumn("Version", format="%d"),
    "csm_forecast": st.column_config.TextColumn("CSM forecast", help=DEFINITIONS["csm_forecast"]),
    "expected_arr": money("Expected ARR"),
    "arr_up": money("ARR up"),
    "note": st.column_config.TextColumn("Note", width="large"),
    "by_user": None,
    "by_name": st.column_config.TextColumn("By"),
    "recorded_at": st.column_config.DatetimeColumn("Recorded at (UTC)", format="YYYY-MM-DD HH:mm"),
    "outcome": st.column_config.TextColumn("Outcome", help="Empty while the renewal is open."),
    "arr_renewed": money("Renewed ARR"),
}

RATE_COLUMNS = {
    # 'Q4 2025', or 'Q1 2026 (15–31 Mar only)' for a bucket the period cuts (periods.label_buckets)
    "period": st.column_config.TextColumn("Period", width="medium"),
    "segment": st.column_config.TextColumn("Segment"),
    "decided": st.column_config.NumberColumn("Decided", help="Renewals due in the period with an outcome."),
    "renewed": st.column_config.NumberColumn("Renewed"),
    "churned": st.column_config.NumberColumn("Churned"),
    "still_open": st.column_config.NumberColumn("Still open", help="Due in the period, no outcome yet: not in the rates."),
    "arr_up": money("ARR up"),
    "logo_renewal_rate": percent("Logo rate", help=DEFINITIONS["logo_renewal_rate"]),
    "grr": percent("GRR", help=DEFINITIONS["grr"]),
    "nrr": percent("NRR", help=DEFINITIONS["nrr"]),
    "small_sample": st.column_config.CheckboxColumn(f"n < {SMALL_SAMPLE_BELOW}", help=DEFINITIONS["renewal_sample"]),
}


_MONEY = {"arr", "arr_up", "arr_renewed", "start_arr", "end_arr", "new_arr", "expansion", "contraction", "churn",
          "arr_before", "arr_after"}
_SHARE_ENDINGS = ("_rate", "_share", "_load", "_retention", "weight")


def is_money(name: str) -> bool:
    """A column of dollars by its name (`at_risk_arr`, `renewable_arr_90d`), not a share (`arr_load`)."""
    return name in _MONEY or name.endswith("_arr") or (
        name.startswith(("arr_", "renewable_arr_")) and not name.endswith(_SHARE_ENDINGS))


def _default(name: str, dtype: pl.DataType) -> dict:
    """The column_config of a column a page did not configure: its label and its kind's format."""
    header = labels.column(name)
    if dtype.is_numeric():
        if is_money(name):
            return money(header)
        if name.endswith(_SHARE_ENDINGS) or name in ("grr", "nrr"):
            return percent(header)
        if name.endswith("_id"):
            return st.column_config.NumberColumn(header, format="%d")  # an id is a name, not a quantity
        return st.column_config.NumberColumn(header, format="%,.1f" if dtype.is_float() else "%,d")
    if dtype == pl.Date:
        return date(header)
    if isinstance(dtype, pl.Datetime):
        return st.column_config.DatetimeColumn(header, format="YYYY-MM-DD HH:mm")
    if dtype == pl.Boolean:
        return st.column_config.CheckboxColumn(header)
    return st.column_config.TextColumn(header)


def _midnight_only(frame: pl.DataFrame, name: str) -> bool:
    values = frame[name].drop_nulls()
    return values.is_empty() or bool((values.dt.time() == dt.time(0)).all())


def _chip(config: dict | None, name: str) -> dict:
    """A status column as a coloured chip: red, amber or green by what the code means."""
    meaning, config = MEANING[name], config or {}
    return st.column_config.MultiselectColumn(
        config.get("label") or labels.column(name), help=config.get("help"), width=config.get("width"),
        options=[labels.value(name, code) for code in meaning], color=[RAG[m] for m in meaning.values()])


def table_config(frame: pl.DataFrame, columns: dict | None) -> dict:
    """Every column configured: the page's choices, a default by kind for the rest, status columns
    as chips, and dates that are timestamps at midnight shown as dates."""
    columns = columns or {}
    config = {}
    for name in [*[c for c in columns if c in frame.columns], *[c for c in frame.columns if c not in columns]]:
        given = columns.get(name, _default(name, frame.schema[name]))
        if given is not None and name in MEANING and frame.schema[name] == pl.String:
            given = _chip(given, name)
        elif given is not None and given["type_config"]["type"] == "datetime" and _midnight_only(frame, name):
            given = date(given["label"], help=given.get("help"))
        elif given is not None and given["type_config"]["type"] == "number" and not given["type_config"]["format"]:
            # a count the page did not format: whole numbers with separators, whatever the SQL's type
            given = {**given, "type_config": {**given["type_config"], "format": "%,.0f"}}
        config[name] = given
    return config


def _shown(frame: pl.DataFrame, config: dict) -> pl.DataFrame:
    """What the grid gets: words for codes, and status columns as one-item lists (their chips).
    Status colours stay on the chips: a pandas Styler could tint cells too, but it costs about a
    second per 1,000-row table on every run (measured), and a progress bar takes one colour only."""
    chips = [c for c in frame.columns
             if c in MEANING and config.get(c) and config[c]["type_config"]["type"] == "multiselect"]
    # shares rounded to the tenth of a percent shown, as the tiles round them (kpi.percent): the grid
    # cuts a share down to its step, so 784 of 837 renewed read 93.6% under a tile saying 93.7%
    shares = [c for c in frame.columns if config.get(c) and frame.schema[c].is_float()
              and config[c]["type_config"].get("format") == "percent"]
    return labels.humanize(frame).with_columns(
        *(pl.when(pl.col(c).is_null()).then(pl.lit([], dtype=pl.List(pl.String))).otherwise(pl.concat_list(c)).alias(c)
          for c in chips),
        *(pl.col(c).round(3) for c in shares))


def data_table(frame: pl.DataFrame, key: str, filename: str, columns: dict | None = None,
               row_height: int | None = None) -> None:
    """Any table: configured columns in the page's order (key columns first), no index, "–" for
    empty, and its CSV export. A table of accounts opens the account page of the row selected.
    With row_height WRAPPED_ROW_HEIGHT, long text wraps to three lines and the table shows
    WRAPPED_ROWS_SHOWN rows."""
    config = table_config(frame, columns)
    order = [c for c, given in config.items() if given is not None]
    options = dict(column_config=config, column_order=order, hide_index=True, width="stretch", placeholder=EMPTY,
                   row_height=row_height)
    if row_height:  # header, rows, borders
        options["height"] = 38 + row_height * min(frame.height, WRAPPED_ROWS_SHOWN)
    if "account_id" not in frame.columns:
        st.dataframe(_shown(frame, config), key=key, **options)
        download_csv(frame, filename, key=f"{key}_csv", columns=config)
        return
    generation = st.session_state.get(_GENERATION, 0)
    event = st.dataframe(_shown(frame, config), key=f"{key}_{generation}", on_select="rerun",
                         selection_mode="single-row", **options)
    st.caption("Select a row to open the account.")
    download_csv(frame, filename, key=f"{key}_csv", columns=config)
    if event.selection.rows:
        st.session_state[_GENERATION] = generation + 1
        open_account(frame["account_id"][event.selection.rows[0]])


def table_or_note(frame: pl.DataFrame, key: str, filename: str, columns: dict | None, note: str,
                  row_height: int | None = None) -> None:
    """A table, or a one-line note saying there is nothing (for facts, not for filters)."""
    if frame.is_empty():
        st.caption(note)
    else:
        data_table(frame, key, filename, columns, row_height=row_height)


def open_account(account_id: int) -> None:
    st.switch_page(ACCOUNT_PAGE, query_params={"account": str(account_id)})


def cohort_matrix(frame: pl.DataFrame, value: str) -> pl.DataFrame:
    """Cohorts down, months since start across: the heatmap table of a retention measure."""
    if frame.is_empty():
        return frame
    wide = frame.select("cohort", "cohort_size", "months", value).pivot(
        on="months", index=["cohort", "cohort_size"], values=value, sort_columns=True)
    return wide.rename({c: f"M{c}" for c in wide.columns if c not in ("cohort", "cohort_size")})


def signal_rules(key: str) -> None:
    """The signal rules as configured: what fires each, in words, with its threshold."""
    st.dataframe([{"Signal": r.label, "In 'Why it is here'": r.short, "Kind": labels.SIGNAL_KINDS[r.kind],
                   "Severity": r.severity, "Fires when": r.rule}
                  for r in SIGNAL_RULES.values()], hide_index=True, key=key,
                 column_config={"Fires when": st.column_config.TextColumn(width="large")})
