"""Period picker: named ranges relative to the data date, or a custom range."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from components.state import keep


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _shift_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def presets(as_of: dt.date) -> dict[str, Period]:
    """Named periods ending no later than the data date."""
    this_q = _quarter_start(as_of)
    last_q_end = this_q - dt.timedelta(days=1)
    named = {
        "Last 4 full quarters": (_shift_months(this_q, -12), last_q_end),
        "Last full quarter": (_shift_months(this_q, -3), last_q_end),
        "This quarter to date": (this_q, as_of),
        "Last 12 months": (as_of - dt.timedelta(days=364), as_of),
        "Year to date": (dt.date(as_of.year, 1, 1), as_of),
        "Last full year": (dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31)),
        "Last 3 years": (_shift_months(this_q, -36), as_of),
    }
    return {label: Period(start, end, label) for label, (start, end) in named.items()}


def period_picker(as_of: dt.date, key: str, default: str = "Last 4 full quarters") -> Period:
    """A preset or a custom range; the key keeps each page's choice separate and persistent."""
    options = [*presets(as_of), "Custom range"]
    choice = st.selectbox("Period", options, key=keep(key, default))
    if choice != "Custom range":
        return presets(as_of)[choice]
    picked = st.date_input("From – to", max_value=as_of,
                           key=keep(f"{key}_custom", (as_of - dt.timedelta(days=89), as_of)))
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info("Pick both a start and an end date.", icon=":material/date_range:")
        st.stop()
    return Period(picked[0], picked[1], f"{picked[0]:%d %b %Y} – {picked[1]:%d %b %Y}")
