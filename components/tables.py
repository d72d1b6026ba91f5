"""Account tables with consistent column formats, and a CSV download beside each."""
from __future__ import annotations

import polars as pl
import streamlit as st

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


def account_table(frame: pl.DataFrame, key: str, filename: str) -> None:
    """An account list: formatted columns, no index, and its CSV export."""
    st.dataframe(frame, column_config=ACCOUNT_COLUMNS, hide_index=True, width="stretch", key=key)
    download_csv(frame, filename, key=f"{key}_csv")
