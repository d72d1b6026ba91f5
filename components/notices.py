"""Messages for states that are not errors in the code: no data, no warehouse."""
from __future__ import annotations

import logging

import sqlalchemy as sa
import streamlit as st

from queries.db import DEMO_PATH_ENV, URL_ENV, Warehouse, demo_path
from components.safe_text import md
from queries.migrations import SETUP_COMMAND

log = logging.getLogger("cs_cockpit")
DUCKDB_LOCKED = "Could not set lock on file"  # DuckDB's words when another process has the file open


def bad_warehouse_url(problem: str) -> None:
    st.error(f"**The warehouse setting cannot be used.** {md(problem)}", icon=":material/link_off:")
    st.info(f"Fix `[connections.warehouse] url` in `.streamlit/secrets.toml` or the `{URL_ENV}` environment "
            "variable, then reload. Unset both to use the embedded demo data.", icon=":material/info:")


def warehouse_unreachable(wh: Warehouse, err: Exception) -> None:
    """One clear message instead of a traceback; the details go to the server log."""
    log.error("warehouse query failed on %s", wh.label, exc_info=err)
    kind = wh.kind
    if wh.is_demo and DUCKDB_LOCKED in str(err):
        st.error("**Another CS Cockpit process holds the demo file**, so this one cannot open it. The embedded "
                 "demo allows one app process per file: stop the other process, or give this one its own "
                 f"file with {DEMO_PATH_ENV}=/path/to/other.duckdb.", icon=":material/lock_clock:")
        st.text(f"Demo file: {demo_path()}")
        return
    missing_tables = isinstance(err, sa.exc.ProgrammingError)
    st.error(
        f"**The warehouse ({kind}) cannot be read right now.** "
        + ("It answered, but the tables of the warehouse contract are missing or incomplete."
           if missing_tables else "It did not answer: it may be down, unreachable, or refusing the credentials."),
        icon=":material/cloud_off:",
    )
    st.info(
        f"Check the connection in `.streamlit/secrets.toml` (`[connections.warehouse] url = ...`) or the "
        f"`{URL_ENV}` environment variable, and the table list in `docs/warehouse.md`. Unset both to use "
        f"the embedded demo data. Reload the page once the warehouse is back.",
        icon=":material/info:",
    )
    st.caption(f"Error type: {type(err).__name__} (details in the server log).")


def app_schema_missing(missing) -> None:
    """The app's role may not create its own schema (least privilege): say who does, and how."""
    log.error("%s", missing)
    st.error("**CS Cockpit's own schema is missing**, so the app cannot start. Nothing was changed.",
             icon=":material/lock:")
    st.text(str(missing))
    st.code(SETUP_COMMAND + f" --app-schema {missing.schema}", language="bash")


def no_rows(what: str = "accounts") -> None:
    st.info(f"No {what} match the current filters. Widen them in the sidebar.", icon=":material/filter_alt_off:")
