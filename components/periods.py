"""Periods: the picker (named ranges relative to the data date, or a custom range), the buckets
of a chart named and marked when partial, and the prior period a tile compares with."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st

from components.state import keep


def date_range(start: dt.date, end: dt.date) -> str:
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str

    @property
    def dates(self) -> str:
        return date_range(self.start, self.end)

    @property
    def named_with_dates(self) -> str:
        """'Last full quarter: 01 Jul 2026 – 30 Sep 2026', or the dates alone for a custom range."""
        return self.dates if self.label == self.dates else f"{self.label}: {self.dates}"

    @property
    def in_sentence(self) -> str:
        """The label inside a sentence or title: 'last full quarter', a custom range's dates as written."""
        return self.label if self.label == self.dates else self.label[:1].lower() + self.label[1:]


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
    return Period(picked[0], picked[1], date_range(picked[0], picked[1]))


# Buckets: a chart's month, quarter or week, named for a reader, and marked when the period cuts it
# short (a "last 12 months" that starts on the 26th has a 5-day first month; this week is not over).

def bucket_end(start: dt.date, grain: str) -> dt.date:
    """The last day of the bucket that starts on `start`."""
    if grain == "week":
        return start + dt.timedelta(days=6)
    return _shift_months(start, 3 if grain == "quarter" else 12 if grain == "year" else 1) - dt.timedelta(days=1)


def bucket_label(start: dt.date, grain: str, first: dt.date, last: dt.date) -> str:
    """'Nov 2025', 'Q4 2025', '2025' or '17 Nov 2026' (a week's Monday); a bucket the days [first, last] cover only in
    part says which days it holds, e.g. 'Nov 2025 (26–30 Nov only)'."""
    name = {"week": f"{start.day} {start:%b %Y}", "quarter": f"Q{(start.month - 1) // 3 + 1} {start:%Y}",
            "year": f"{start:%Y}"}.get(grain, f"{start:%b %Y}")
    end = bucket_end(start, grain)
    held_from, held_to = max(start, first), min(end, last)
    if (held_from, held_to) == (start, end):
        return name
    if held_from == held_to:
        held = f"{held_from.day} {held_from:%b}"
    elif held_from.month == held_to.month:
        held = f"{held_from.day}–{held_to.day} {held_to:%b}"
    else:
        held = f"{held_from.day} {held_from:%b}–{held_to.day} {held_to:%b}"
    return f"{name} ({held} only)"


def label_buckets(frame: pl.DataFrame, column: str, grain: str, first: dt.date | None = None,
                  last: dt.date | None = None) -> pl.DataFrame:
    """The frame with its bucket-start dates replaced by bucket_label's names, for a chart's axis or
    a table's period column ('Q4 2025', not 2025-10-01); without `first` and `last` (a signing
    cohort, which no period cuts short) every bucket reads whole."""
    labels = [None if day is None else bucket_label(day, grain, first or day, last or bucket_end(day, grain))
              for day in frame[column].to_list()]
    return frame.with_columns(pl.Series(column, labels, dtype=pl.String))


def partial_buckets(starts: list[dt.date], grain: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The bucket starts whose bucket [first, last] covers only in part."""
    return [s for s in starts if s < first or bucket_end(s, grain) > last]


# Tiles of a period compare with the period just before it, of the same length.

def prior(period: Period) -> Period:
    """The period just before, as long: whole months shift by months (a quarter by a quarter),
    anything else by its number of days."""
    after_end = period.end + dt.timedelta(days=1)
    months = (after_end.year - period.start.year) * 12 + after_end.month - period.start.month
    if period.start.day == 1 and after_end.day == 1:
        return Period(_shift_months(period.start, -months), period.start - dt.timedelta(days=1),
                      f"the {months} months before")
    length = (period.end - period.start).days + 1
    return Period(period.start - dt.timedelta(days=length), period.start - dt.timedelta(days=1),
                  f"the {length} days before")


def compared_with(period: Period) -> str:
    """What a tile's change compares with, for its tooltip."""
    before = prior(period)
    return f" The change compares with {date_range(before.start, before.end)}."


def change(now: float | None, before: float | None, kind: str = "points") -> str | None:
    """A tile's change against the prior period: '+3 vs prior period' for a score, '+2.1 pts' for a
    rate (given as a fraction); None when either side is missing."""
    if now is None or before is None:
        return None
    if kind == "rate":
        return f"{(now - before) * 100:+.1f} pts vs prior period"
    return f"{now - before:+.0f} vs prior period"
