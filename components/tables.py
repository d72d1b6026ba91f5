"""Account tables with consistent column formats, and a CSV download beside each."""
from __future__ import annotations

import polars as pl
import streamlit as st

from components import notices
from components.safe_text import spreadsheet_frame
from queries.definitions import DEFINITIONS, SIGNAL_RULES

ACCOUNT_PAGE = "pages/account.py"
_GENERATION = "tables_generation"  # bumped when a row opens an account, so no table stays selected

ACCOUNT_COLUMNS = {
    "account_id": None,
    "name": st.column_config.TextColumn("Account"),
    "segment": st.column_config.TextColumn("Segment"),
    "csm_name": st.column_config.TextColumn("CSM"),
    "team": st.column_config.TextColumn("Team"),
    "arr": st.column_config.NumberColumn("ARR", format="dollar"),
    "health_score": st.column_config.ProgressColumn("Health", min_value=0, max_value=100, format="%.0f",
                                                    help=DEFINITIONS["avg_health"]),
    "health_band": st.column_config.TextColumn("Band", help=DEFINITIONS["health_band"]),
    "health_change_4w": st.column_config.NumberColumn("Δ 4 weeks", format="%+.0f",
                                                      help="Change since the snapshot four weeks earlier."),
    "health_drag": st.column_config.TextColumn("Pulled down most by", help=DEFINITIONS["health_drag"]),
    "lifecycle_stage": st.column_config.TextColumn("Stage", help=DEFINITIONS["lifecycle_stage"]),
    "activity_tier": st.column_config.TextColumn("Activity", help=DEFINITIONS["activity_tier"]),
    "renewal_due_date": st.column_config.DateColumn("Renewal due", format="YYYY-MM-DD"),
    "renewal_forecast": st.column_config.TextColumn("Forecast"),
    "days_since_touch": st.column_config.NumberColumn("Last touch (days)", help=DEFINITIONS["days_since_touch"]),
    "days_to_renewal": st.column_config.NumberColumn("Days to renewal", help="Negative: days past due."),
    "open_flags": st.column_config.NumberColumn("Open flags", help="Risk flags raised and not yet resolved."),
    "signals": st.column_config.NumberColumn("Signals", help="Signal rules firing now (see the list below)."),
    "why": st.column_config.TextColumn("Why it is here", width="large",
                                       help="Open flags, red health, a renewal within 90 days and firing signals."),
}


def download_csv(frame: pl.DataFrame, filename: str, key: str) -> None:
    """Every table's CSV export: text that starts like a formula reaches the spreadsheet as text."""
    st.download_button("Download CSV", spreadsheet_frame(frame).write_csv(), file_name=filename, mime="text/csv",
                       key=key, icon=":material/download:")


def account_table(frame: pl.DataFrame, key: str, filename: str, columns: dict | None = None,
                  empty: str = "accounts") -> None:
    """An account list: formatted columns, no index, and its CSV export; a notice when empty."""
    if frame.is_empty():
        notices.no_rows(empty)
        return
    data_table(frame, key, filename, columns or ACCOUNT_COLUMNS)

RENEWAL_COLUMNS = {
    **ACCOUNT_COLUMNS,
    "past_due": st.column_config.CheckboxColumn("Past due", help="The term has ended and the renewal is still open."),
    "arr_up": st.column_config.NumberColumn("ARR up", format="dollar"),
    "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
    "days_to_due": st.column_config.NumberColumn("Days to due", help="Negative: days past due."),
    "due_window": st.column_config.TextColumn("Window", help=DEFINITIONS["due_window"]),
    "stage": st.column_config.TextColumn("Stage"),
    "forecast": st.column_config.TextColumn("Forecast"),
}

SIGNAL_COLUMNS = {
    **ACCOUNT_COLUMNS,
    "rule": None, "kind": None, "value": None, "threshold": None,
    "label": st.column_config.TextColumn("Signal"),
    "severity": st.column_config.NumberColumn("Severity", format="%d", help="3: act today, 2: this week, 1: keep an eye on it."),
    "evidence": st.column_config.TextColumn("Evidence", width="large", help="The value that fired the rule, against its threshold."),
    "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD", help="When the rule started to hold (see the rules)."),
}

HEALTH_PART_COLUMNS = {
    "label": st.column_config.TextColumn("Component"),
    "description": st.column_config.TextColumn("Measures", width="large"),
    "weight": st.column_config.NumberColumn("Weight", format="percent", help="The component's weight in the score."),
    "effective_weight": st.column_config.NumberColumn(
        "Carries", format="percent", help="Its weight once components with no data are left out and their weight "
                                          "spread over the others in proportion."),
    "value": st.column_config.NumberColumn("Value", format="%.0f", help="The component's own score, 0-100."),
    "points": st.column_config.NumberColumn("Points", format="%.1f", help="Carries x value: what it adds to the score."),
    "points_lost": st.column_config.NumberColumn("Points lost", format="%.1f",
                                                 help="Carries x (100 - value): what it costs the score."),
}

MILESTONE_COLUMNS = {
    "milestone": st.column_config.TextColumn("Milestone"),
    "day_offset": st.column_config.NumberColumn("Day", help="Days after the start of the onboarding term."),
    "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
    "completed_date": st.column_config.DateColumn("Completed", format="YYYY-MM-DD"),
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
    "due_date": st.column_config.DateColumn("Follow up by", format="YYYY-MM-DD"),
    "age_days": st.column_config.NumberColumn("Age (days)", help="Days since the flag was raised."),
    "raised_by": None,
    "raised_by_name": st.column_config.TextColumn("Raised by"),
    "raised_at": st.column_config.DatetimeColumn("Raised at (UTC)", format="YYYY-MM-DD HH:mm"),
    "resolved_by": None,
    "resolved_at": st.column_config.DatetimeColumn("Resolved at (UTC)", format="YYYY-MM-DD HH:mm"),
    "resolution": st.column_config.TextColumn("Outcome", width="medium"),
}

FOLLOWUP_COLUMNS = {
    "account_id": None,
    "flag_id": st.column_config.NumberColumn("Flag", format="%d"),
    "account": st.column_config.TextColumn("Account", pinned=True),
    "overdue": _OVERDUE,
    "severity": _SEVERITY,
    "reason": st.column_config.TextColumn("Reason", width="large"),
    "owner": None,
    "owner_name": st.column_config.TextColumn("Owner"),
    "raised_by": None,
    "raised_by_name": st.column_config.TextColumn("Raised by"),
    "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
    "days_to_due": st.column_config.NumberColumn("Days to due", help="Negative: days overdue."),
    "age_days": st.column_config.NumberColumn("Age (days)", help="Days since the flag was raised."),
    "arr": st.column_config.NumberColumn("ARR", format="dollar"),
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
    "due_date": st.column_config.DateColumn("Follow up by", format="YYYY-MM-DD"),
    "note": st.column_config.TextColumn("Note", width="large"),
    "by_user": None,
    "by_name": st.column_config.TextColumn("By"),
    "event_at": st.column_config.DatetimeColumn("At (UTC)", format="YYYY-MM-DD HH:mm"),
}

TAG_COLUMNS = {
    "version": st.column_config.NumberColumn("Version", format="%d"),
    "primary_reason": st.column_config.TextColumn("Primary reason"),
    "reasons": st.column_config.TextColumn("All reasons (codes)"),
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
    "left_at": st.column_config.DateColumn("Left", format="YYYY-MM-DD"),
}

RATE_COLUMNS = {
    "period": st.column_config.DateColumn("Period starting", format="YYYY-MM-DD"),
    "segment": st.column_config.TextColumn("Segment"),
    "decided": st.column_config.NumberColumn("Decided", help="Renewals due in the period with an outcome."),
    "renewed": st.column_config.NumberColumn("Renewed"),
    "churned": st.column_config.NumberColumn("Churned"),
    "still_open": st.column_config.NumberColumn("Still open", help="Due in the period, no outcome yet: not in the rates."),
    "arr_up": st.column_config.NumberColumn("ARR up", format="dollar"),
    "logo_renewal_rate": st.column_config.NumberColumn("Logo rate", format="percent", help=DEFINITIONS["logo_renewal_rate"]),
    "grr": st.column_config.NumberColumn("GRR", format="percent", help=DEFINITIONS["grr"]),
    "nrr": st.column_config.NumberColumn("NRR", format="percent", help=DEFINITIONS["nrr"]),
}


def data_table(frame: pl.DataFrame, key: str, filename: str, columns: dict | None = None) -> None:
    """Any table: formatted columns, no index, and its CSV export. A table of accounts opens the
    account page of the row the user selects."""
    if "account_id" not in frame.columns:
        st.dataframe(frame, column_config=columns, hide_index=True, width="stretch", key=key)
        download_csv(frame, filename, key=f"{key}_csv")
        return
    generation = st.session_state.get(_GENERATION, 0)
    event = st.dataframe(frame, column_config=columns, hide_index=True, width="stretch",
                         key=f"{key}_{generation}", on_select="rerun", selection_mode="single-row")
    st.caption("Select a row to open the account.")
    download_csv(frame, filename, key=f"{key}_csv")
    if event.selection.rows:
        st.session_state[_GENERATION] = generation + 1
        open_account(frame["account_id"][event.selection.rows[0]])


def table_or_note(frame: pl.DataFrame, key: str, filename: str, columns: dict | None, note: str) -> None:
    """A table, or a one-line note saying there is nothing (for facts, not for filters)."""
    if frame.is_empty():
        st.caption(note)
    else:
        data_table(frame, key, filename, columns)


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
    st.dataframe([{"Signal": r.label, "Kind": r.kind, "Severity": r.severity, "Fires when": r.rule}
                  for r in SIGNAL_RULES.values()], hide_index=True, key=key,
                 column_config={"Fires when": st.column_config.TextColumn(width="large")})
