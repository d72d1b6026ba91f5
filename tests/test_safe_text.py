"""The escapes of components.safe_text, on the hostile book's payloads; the browser test
(tests/e2e/test_hostile_text.py) shows what Streamlit and plotly make of them."""
import csv
import io
import json
import re

import polars as pl
import pytest

from components import charts
from components.safe_text import (FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, WORD_JOINER, md, plotly_frame,
                                  spreadsheet_frame)
from tests.hostile_book import payloads

PAYLOADS = payloads("http://127.0.0.1:9")
ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def unescape_markdown(text: str) -> str:
    """What CommonMark shows for a text of backslash escapes (the inverse of md's escaping)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def visible(text: str) -> str:
    """The text without the invisible characters md adds."""
    return re.sub(f"[{WORD_JOINER}{FIRST_STRONG_ISOLATE}{POP_DIRECTIONAL_ISOLATE}]", "", text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_escapes_every_markdown_character(payload):
    escaped = md(payload)
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)
    assert not ASCII_PUNCTUATION.search(bare)  # every punctuation character is escaped
    assert visible(unescape_markdown(escaped)) == payload  # and reads as it was written


@pytest.mark.parametrize("text", ["see http://evil.example/x", "https://evil.example", "www.evil.example",
                                  "WWW.Evil.example", "mail payload@evil.example", "xmpp:a@b.example"])
def test_md_leaves_no_autolink_for_gfm_to_find(text):
    """GFM links bare URLs and emails after escapes are resolved: what it would see has none."""
    shown = unescape_markdown(md(text))
    assert not re.search(r"https?://|www\.|[\w.+-]@[\w-]", shown, re.IGNORECASE)
    assert visible(shown) == text


def test_md_keeps_a_right_to_left_override_inside_the_value():
    """An override in a name must not reorder the app's words after it: the value is an isolate,
    and an isolate terminator inside it, which could close that isolate early, is dropped."""
    escaped = md("Ana\u2069\u202eevil")
    assert escaped == f"{FIRST_STRONG_ISOLATE}Ana\u202eevil{POP_DIRECTIONAL_ISOLATE}"
    assert md("Ana Silva") == "Ana Silva"  # plain names stay as they are


def test_md_keeps_a_value_on_one_line_and_reads_none_as_a_dash():
    assert md("first\r\n\nsecond") == "first second"
    assert md(None) == "–"
    assert md(42) == "42"


def test_plotly_frame_shows_its_html_subset_as_text():
    out = plotly_frame(pl.DataFrame({"name": ['<a href="http://x">CSM</a> & <br>', "&lt;"]}))
    assert out["name"].to_list() == ['&lt;a href="http://x"&gt;CSM&lt;/a&gt; &amp; &lt;br&gt;',
                                     "&amp;lt;"]  # an entity in the data is shown as typed, not decoded


def test_plotly_frame_escapes_text_columns_only():
    frame = pl.DataFrame({"name": ["<b>x</b>", None], "n": [-1, 2]}).with_columns(
        team=pl.Series(["<i>t</i>", "&"], dtype=pl.Categorical))
    out = plotly_frame(frame)
    assert out["name"].to_list() == ["&lt;b&gt;x&lt;/b&gt;", None]
    assert out["team"].to_list() == ["&lt;i&gt;t&lt;/i&gt;", "&amp;"]
    assert out["n"].dtype == pl.Int64 and out["n"].to_list() == [-1, 2]


def test_charts_show_names_from_data_as_text():
    """A CSM named with a link, in the NPS-by-CSM bars and the workload scatter's hovers."""
    name = '<a href="http://127.0.0.1:9/x">Ana</a>'
    nps = charts.build_nps_by_group(pl.DataFrame({"grp": [name], "nps": [10.0], "responses": [12],
                                                  "small_sample": [False]}), "CSM")
    books = charts.build_workload_scatter(pl.DataFrame({
        "csm_name": [name], "team": [name], "segment": ["smb"], "accounts": [40], "arr": [1e6],
        "book_load": [0.9], "arr_load": [0.5], "load": ["under"]}))  # off target: its name drawn beside it
    for fig in (nps, books):
        text = json.dumps(fig.to_plotly_json(), default=str)
        assert "<a " not in text and "&lt;a href" in text


def exported(frame: pl.DataFrame) -> list[list[str]]:
    return list(csv.reader(io.StringIO(spreadsheet_frame(frame).write_csv())))


def test_csv_cells_that_start_like_a_formula_are_exported_as_text():
    cells = ["=HYPERLINK(\"http://x\",\"open\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tx", "\rx",
             "plain", "a=b"]
    rows = exported(pl.DataFrame({"comment": cells}))
    assert [r[0] for r in rows[1:]] == ["'" + c for c in cells[:6]] + ["plain", "a=b"]


def test_csv_numbers_stay_numbers():
    rows = exported(pl.DataFrame({"arr": [-1200.5, 300.0], "delta": [-3, 4], "as_text": ["-3", "+1.5e3"]}))
    assert rows[1:] == [["-1200.5", "-3", "-3"], ["300.0", "4", "+1.5e3"]]


def test_csv_keeps_nulls_and_categoricals():
    frame = pl.DataFrame({"team": pl.Series(["=1+1", None], dtype=pl.Categorical), "n": [1, 2]})
    out = spreadsheet_frame(frame)
    assert out["team"].to_list() == ["'=1+1", None] and out["n"].to_list() == [1, 2]
