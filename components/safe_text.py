"""Data shown as text: the one place that knows how to put a value from the warehouse, the app's
own tables or the URL into something that renders markup.

Streamlit renders Markdown in titles, captions, alerts, metric values and deltas, expander and
segmented-control labels; plotly renders a subset of HTML in titles, ticks, legends and hovers;
spreadsheets run a cell that starts with `=` as a formula. Each has its escape here, so the app's
own words can stay Markdown around a data value, and pages never compose markup from data.
"""
from __future__ import annotations

import re

import polars as pl

WORD_JOINER = "\u2060"  # zero width, no break: splits a would-be autolink without changing what is seen
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark)
# GitHub-flavoured Markdown turns bare URLs and email addresses into links after parsing, escapes
# or not; a word joiner inside `://`, `www.` and before `@` keeps them plain text.
_AUTOLINK = re.compile(r"(:(?=//)|www(?=\.)|(?=@))", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n]+")
# A right-to-left override in a name would reorder the app's words after it: a value holding bidi
# controls is isolated (FSI ... PDI), and its own isolate controls, which could close ours, dropped.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ISOLATE_CONTROLS = re.compile("[\u2066-\u2069]")
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"
_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)
_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def md(value) -> str:
    """A value for a Markdown context (st.title, st.caption, st.warning, st.metric, a label): shown
    literally, never a link, image, emphasis, colour or icon. None reads as an en dash."""
    if value is None:
        return "–"
    text = _LINE_BREAKS.sub(" ", str(value))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text))
    if _BIDI_CONTROLS.search(escaped):
        escaped = FIRST_STRONG_ISOLATE + _ISOLATE_CONTROLS.sub("", escaped) + POP_DIRECTIONAL_ISOLATE
    return escaped


def plotly_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of a chart's frame escaped for plotly's HTML subset (labels, ticks, legends,
    hovers), so it is shown as typed; numbers and dates untouched."""
    text = [c for c, t in frame.schema.items() if isinstance(t, _TEXT_TYPES)]
    return frame.with_columns(pl.col(text).cast(pl.String).str.replace_all("&", "&amp;", literal=True)
                              .str.replace_all("<", "&lt;", literal=True)
                              .str.replace_all(">", "&gt;", literal=True))


def _as_spreadsheet_text(name: str) -> pl.Expr:
    cell = pl.col(name).cast(pl.String)
    formula = cell.str.contains(_FORMULA_START) & ~cell.str.contains(_PLAIN_NUMBER)
    return pl.when(formula).then(pl.lit("'") + cell).otherwise(cell).alias(name)


def spreadsheet_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as a spreadsheet must receive it (OWASP's CSV-injection advice): a text cell that
    starts like a formula (=, +, -, @, tab, carriage return) gets a leading single quote, so it is
    shown as text; a plain number written as text, and every numeric column, stay as they are."""
    return frame.with_columns(_as_spreadsheet_text(c) for c, t in frame.schema.items() if isinstance(t, _TEXT_TYPES))
