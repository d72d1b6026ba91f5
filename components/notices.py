"""Messages for states that are not errors in the code: no data, no warehouse."""
from __future__ import annotations

import logging

import sqlalchemy as sa
import streamlit as st

from queries.db import URL_ENV, Warehouse

log = logging.getLogger("cs_cockpit")


def warehouse_unreachable(wh: Warehouse, err: Exception) -> None:
    """One clear message instead of a traceback; the details go to the server log."""
    log.error("warehouse query failed on %s", wh.label, exc_info=err)
    kind = sa.make_url(wh.url).get_backend_name()
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


def no_rows(what: str = "accounts") -> None:
    st.info(f"No {what} match the current filters. Widen them in the sidebar.", icon=":material/filter_alt_off:")
