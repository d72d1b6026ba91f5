"""Reads at a glance: every page through AppTest, on both backends, shows words and not the
warehouse's codes (in tables, tiles, captions and CSV headers), money in whole dollars, and the
Team table and the rebalancer agree on each CSM's load."""
import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from components import registry, tables
from queries import labels
from tests.test_app import open_app

CODES = labels.raw_codes()  # every code whose label reads differently: the test follows the mapping
UNDERSCORED = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # `mid_market`, `surveys_sent` inside any text


def test_the_mapping_covers_the_codes_the_issue_found():
    found = {"high_touch", "mid_market", "at_risk", "not_started", "go_live", "on_time", "business_review"}
    assert found <= CODES
    assert {"answered_on", "surveys_sent"} & set(labels.COLUMNS) == {"answered_on", "surveys_sent"}
    assert all("_" not in labels.column(c) for c in ("answered_on", "surveys_sent", "renewable_arr_90d"))


@pytest.fixture
def csv_exports(monkeypatch):
    """Every CSV the pages build in this test, as text (the export is built on each run)."""
    made = []
    real = tables.csv_text

    def record(frame, columns=None):
        made.append(real(frame, columns))
        return made[-1]
    monkeypatch.setattr(tables, "csv_text", record)
    return made


def headers_of(df) -> dict[str, str]:
    """Each shown column's header as the grid gets it: its configured label, else its name."""
    config = json.loads(df.proto.columns or "{}")
    shown = {}
    for name in df.value.columns:
        given = config.get(name, {})
        if given.get("hidden"):
            continue
        shown[name] = given.get("label") or name
    return shown


def cells(df) -> set[str]:
    out = set()
    for column in df.value.columns:
        for v in df.value[column].tolist():
            items = v if isinstance(v, (list, tuple)) or type(v).__name__ == "ndarray" else [v]
            out |= {x for x in items if isinstance(x, str)}
    return out


def raw_codes_on(at, exports: list[str]) -> list[str]:
    """Codes a reader would see: a cell or header that is a code, a header with an underscore, a
    code inside a tile or caption, a CSV header with an underscore."""
    found = []
    for df in at.dataframe:
        if {"code", "label", "retired_at"} <= set(df.value.columns):  # the reason codes' admin shows codes on purpose
            continue
        for name, header in headers_of(df).items():
            if "_" in header or header in CODES:
                found.append(f"header {header!r} of column {name}")
        found += [f"cell {c!r}" for c in cells(df) if c in CODES or UNDERSCORED.fullmatch(c)]
    texts = [t for m in at.metric for t in (m.label, m.value, m.proto.delta)] + [c.value for c in at.caption]
    found += [f"text {t!r}" for t in texts if UNDERSCORED.search(t.replace("\\_", "_")) or t in CODES]
    for text in exports:
        header = next(csv.reader(io.StringIO(text)))
        found += [f"CSV header {h!r}" for h in header if "_" in h or h in CODES]
    return found


def whole_dollar_problems(at) -> list[str]:
    """Money columns (ARR in the header, or a money column name) not configured in whole dollars."""
    names = {"arr", "arr_up", "start_arr", "end_arr", "new_arr", "expansion", "contraction", "churn",
             "at_risk_arr", "arr_before", "arr_after"}
    problems = []
    for df in at.dataframe:
        config = json.loads(df.proto.columns or "{}")
        for name, given in config.items():
            kind = given.get("type_config", {})
            money = name in names or re.search(r"\bARR\b", given.get("label") or "") and kind.get("type") == "number"
            if money and not given.get("hidden") and kind.get("format") != "$%,.0f":
                problems.append(f"{name}: {kind.get('format')}")
            if kind.get("format") == "dollar":
                problems.append(f"{name}: cents")
    return problems


def _views():
    for p in registry.PAGES:  # not an account (one account, its own test), nor Follow-ups (the viewer's
        if not p.needs_account and p.path != "pages/followups.py":  # own flags: the demo's viewer has none)
            for view in registry.views_of(p):
                yield p.path, view


@pytest.mark.parametrize("page, view", list(_views()))
def test_no_raw_code_and_whole_dollars_on_every_page(backend, demo_warehouse, monkeypatch, csv_exports, page, view):
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    at.switch_page(page)
    at.run()
    if view:
        at.button_group(key=registry.page(page).views.key).set_value(view)
        at.run()
    if page == "pages/portfolio.py":  # the numbers behind the chart, by lifecycle stage
        at.button_group(key="portfolio_dimension").set_value("lifecycle_stage")
        at.run()
    assert not at.exception
    assert at.dataframe and csv_exports
    assert raw_codes_on(at, csv_exports) == []
    assert whole_dollar_problems(at) == []


def test_no_raw_code_on_an_account_page(backend, demo_warehouse, monkeypatch, csv_exports):
    with demo_warehouse.engine.connect() as conn:  # an account with an open renewal and every tab filled
        account_id = conn.execute(sa.text("""select account_id from account_snapshot
            where is_live and renewal_stage is not null and renewal_forecast = 'at_risk'
            order by arr desc limit 1""")).scalar_one()
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    at.switch_page("pages/account.py")
    at.query_params["account"] = str(account_id)
    at.run()
    assert not at.exception
    renewal = next(m for m in at.metric if m.label == "Renewal due")
    assert labels.FORECASTS["at_risk"] in renewal.proto.delta
    assert raw_codes_on(at, csv_exports) == []
    assert whole_dollar_problems(at) == []


def test_team_and_rebalancer_say_the_same_load_for_each_csm(backend, demo_warehouse, monkeypatch):
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    at.switch_page("pages/team.py")
    at.run()
    books = next(d.value for d in at.dataframe if "load" in d.value.columns and "csm_name" in d.value.columns)
    team_words = dict(zip(books["csm_name"], (list(v) for v in books["load"])))
    plan = next(d.value for d in at.dataframe if "load_before" in d.value.columns)
    compared = {csm: list(words) for csm, words in zip(plan["csm"], plan["load_before"])}
    assert compared and all(words and words[0] in labels.LOADS.values() for words in compared.values())
    assert {csm: team_words[csm] for csm in compared} == compared
    moves = next((d.value for d in at.dataframe if "reason" in d.value.columns and "to_csm" in d.value.columns), None)
    if moves is not None:  # the first move names both books, as they are now, in the same words
        first = moves.iloc[0]
        giver, taker = first["reason"].split(" to ")
        assert giver.endswith(f": {team_words[first['from_csm']][0].lower()})")
        assert taker.endswith(f": {team_words[first['to_csm']][0].lower()}).")


def test_a_csv_has_the_screens_headers_and_words_and_the_raw_numbers():
    import polars as pl
    import streamlit as st
    frame = pl.DataFrame({"account_id": [7], "segment": ["mid_market"], "renewal_forecast": ["at_risk"],
                          "arr": [3_063_800.5], "surveys_sent": [12], "name": ["=HYPERLINK(1)"]})
    rows = list(csv.reader(io.StringIO(tables.csv_text(frame, {"name": st.column_config.TextColumn("Account")}))))
    assert rows[0] == ["Account id", "Segment", "Forecast", "ARR", "Surveys sent", "Account"]
    assert rows[1] == ["7", "Mid-market", "At risk", "3063800.5", "12", "'=HYPERLINK(1)"]


def test_a_unit_the_screen_writes_in_each_cell_moves_to_the_csv_header():
    import polars as pl
    frame = pl.DataFrame({"days_since_touch": [36], "open_flags": [2]})
    rows = list(csv.reader(io.StringIO(tables.csv_text(frame, tables.ACCOUNT_COLUMNS))))
    assert tables.ACCOUNT_COLUMNS["days_since_touch"]["type_config"]["format"] == "%d days"  # "36 days" on screen
    assert rows == [["Last touch (days)", "Open flags"], ["36", "2"]]


def test_a_share_in_a_table_reads_as_its_tile_does():
    """A grid cuts a share down to its column's step (0.93668 showed as 93.6%); the table gets it
    rounded to the tenth of a percent, as the tile beside it (kpi.percent) says it: 93.7%."""
    from components import kpi
    import polars as pl
    frame = pl.DataFrame({"logo_renewal_rate": [784 / 837, 6 / 22, None], "renewed": [784, 6, 0]})
    config = tables.table_config(frame, {"logo_renewal_rate": tables.percent("Logo renewal rate")})
    shown = tables._shown(frame, config)
    assert [f"{v:.1%}" for v in shown["logo_renewal_rate"][:2]] == [kpi.percent(784 / 837), kpi.percent(6 / 22)]
    assert shown["logo_renewal_rate"].to_list()[:2] == [0.937, 0.273] and shown["logo_renewal_rate"][2] is None
    assert shown["renewed"].to_list() == [784, 6, 0]  # counts untouched

