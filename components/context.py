"""What every page needs from the router: the warehouse, the shared filters and the data date."""
from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from queries.db import Warehouse
from queries.scope import Filters

_KEY = "cockpit_context"
_VIEWER = "cockpit_viewer"


def publish(wh: Warehouse, filters: Filters, as_of: dt.date, viewer) -> None:
    st.session_state[_KEY] = (wh, filters, as_of)
    st.session_state[_VIEWER] = viewer


def current_viewer():
    """The identified viewer (components.identity.Viewer), set by the router on every run."""
    return st.session_state[_VIEWER]


def page_context() -> tuple[Warehouse, Filters, dt.date]:
    if _KEY not in st.session_state:
        # Streamlit starts in its legacy pages-folder mode because pages/ exists, until a run
        # calls st.navigation. A deep link opened first after a server start therefore runs the
        # page file alone, without app.py. Leave that mode and rerun through the router.
        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state[_KEY]
