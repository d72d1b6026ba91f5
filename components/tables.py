"""Account tables with consistent column formats, and a CSV download beside each."""
from __future__ import annotations

import polars as pl
import streamlit as st

from components import notices
from queries.definitions import DEFINITIONS

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
    "lifecycle_stage": st.column_config.TextColumn("Stage", help=DEFINITIONS["lifecycle_stage"]),
    "activity_tier": st.column_config.TextColumn("Activity", help=DEFINITIONS["activity_tier"]),
    "renewal_due_date": st.column_config.DateColumn("Renewal due", format="YYYY-MM-DD"),
    "renewal_forecast": st.column_config.TextColumn("Forecast"),
}


def download_csv(frame: pl.DataFrame, filename: str, key: str) -> None:
    st.download_button("Download CSV", frame.write_csv(), file_name=filename, mime="text/csv",
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
    "open_flags": st.column_config.NumberColumn("Open flags", help="Risk flags raised and not yet resolved."),
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
    """Any aggregate table: formatted columns, no index, and its CSV export."""
    st.dataframe(frame, column_config=columns, hide_index=True, width="stretch", key=key)
    download_csv(frame, filename, key=f"{key}_csv")


def cohort_matrix(frame: pl.DataFrame, value: str) -> pl.DataFrame:
    """Cohorts down, months since start across: the heatmap table of a retention measure."""
    if frame.is_empty():
        return frame
    wide = frame.select("cohort", "cohort_size", "months", value).pivot(
        on="months", index=["cohort", "cohort_size"], values=value, sort_columns=True)
    return wide.rename({c: f"M{c}" for c in wide.columns if c not in ("cohort", "cohort_size")})
