"""What every page needs from the router: the warehouse, the shared filters and the data date."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from queries.db import Warehouse
from queries.scope import Filters

_KEY = "cockpit_context"


def publish(wh: Warehouse, filters: Filters, as_of: dt.date) -> None:
    st.session_state[_KEY] = (wh, filters, as_of)


def page_context() -> tuple[Warehouse, Filters, dt.date]:
    return st.session_state[_KEY]
