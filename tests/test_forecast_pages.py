"""The renewal forecast in the app, through AppTest on both backends: the Renewals page's roll-up
and accuracy views show the query functions' numbers, and a CSM records a forecast on the account
page (a refusal writes nothing; someone else's account has no form)."""
import pytest
import sqlalchemy as sa

from components import kpi
from components.periods import presets
from queries import definitions as d
from queries import forecast_rollup as fr
from queries import forecasts
from queries.scope import Filters
from tests.apptest import form_key, keep_apptest_on_navigation, submit_key
from tests.builders import count
from tests.conftest import DEMO_AS_OF
from tests.test_app import on_page, tile, view_as


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)


def test_the_forecast_rollup_shows_the_query_numbers(backend, demo_warehouse, monkeypatch):
    at = on_page(monkeypatch, demo_warehouse, "pages/renewals.py", "CSM forecast")
    assert not at.exception and not at.error
    roll = fr.rollup(demo_warehouse, Filters())
    missing = roll.filter(roll["csm_forecast"] == d.NO_FORECAST)
    assert tile(at, "ARR up for renewal") == kpi.money(roll["arr_up"].sum())
    assert tile(at, "Expected ARR") == kpi.money(roll["expected_arr"].sum())
    assert tile(at, "No forecast") == kpi.number(missing["renewals"].sum()) and missing.height  # the demo has some
    renews = roll.filter(roll["csm_forecast"].is_in(d.FORECAST_CALLS_RENEWAL))["arr_up"].sum()
    assert tile(at, "CSM: commit + likely") == kpi.money(renews) and renews > 0

    at.button_group(key="renewals_forecast_by").set_value("segment")
    at.run()
    table = next(df.value for df in at.dataframe if "crm_commit_arr" in df.value.columns)
    by_segment = fr.rollup(demo_warehouse, Filters(), "segment")
    assert list(table["arr_up"]) == by_segment["arr_up"].to_list()
    assert "No forecast" in set(table["csm_forecast"].map(lambda chips: chips[0]))  # a word, never the code


def test_forecast_accuracy_shows_the_query_numbers(backend, demo_warehouse, monkeypatch):
    at = on_page(monkeypatch, demo_warehouse, "pages/renewals.py", "Forecast accuracy")
    assert not at.exception and not at.error
    period = presets(DEMO_AS_OF)["Last 4 full quarters"]
    weeks = at.button_group(key="renewals_accuracy_weeks").value
    by_weeks = fr.accuracy(demo_warehouse, Filters(), period.start, period.end)
    now = by_weeks.filter(by_weeks["weeks_before"] == weeks).row(0, named=True)
    assert tile(at, "Renewals decided") == kpi.number(now["decided"])
    assert tile(at, "Had a forecast") == kpi.percent(now["coverage"]) and now["forecast"] > 0
    assert tile(at, "Call matched the outcome") == kpi.percent(now["hit_rate"])
    by_csm = next(df.value for df in at.dataframe if "csm_name" in df.value.columns)
    assert list(by_csm["forecast"]) == fr.accuracy(demo_warehouse, Filters(), period.start, period.end, by="csm",
                                                   weeks=(weeks,))["forecast"].to_list()


def forecast_page_as(monkeypatch, wh, own: bool):
    """The forecast section of the account page, as the third CSM, on the largest account with an
    open renewal of their book (or of someone else's)."""
    at, csm = view_as(monkeypatch, wh, "csm", 2)
    with wh.engine.connect() as conn:
        account_id = conn.execute(sa.text(f"""select a.account_id from accounts as a
            inner join renewals as r on r.account_id = a.account_id and r.outcome is null
            where a.csm_id {'=' if own else '<>'} :c order by r.arr_up desc, a.account_id limit 1"""),
            {"c": csm["csm_id"]}).scalar_one()
    at.switch_page("pages/account.py")
    at.query_params["account"] = str(account_id)
    at.query_params["section"] = "forecast"
    at.run()
    assert not at.exception and at.button_group(key="account_section").value == "forecast"
    return at, csm, account_id


def test_a_csm_records_a_forecast_on_the_account_page(backend, writable_demo, monkeypatch):
    at, csm, account_id = forecast_page_as(monkeypatch, writable_demo, own=True)
    form = f"forecast_{forecasts.open_renewals(writable_demo, account_id)['renewal_id'][0]}"
    at.selectbox(key=form_key(at, form, "category")).set_value("at_risk")
    at.number_input(key=form_key(at, form, "expected")).set_value(-5.0)
    at.button(key=submit_key(at, form, "Save forecast")).click().run()
    assert any("cannot be negative" in e.value for e in at.error)
    rows = f"select count(*) from {writable_demo.app_schema}.renewal_forecasts where account_id = :a"
    assert count(writable_demo, rows, a=account_id) == 0

    at.number_input(key=form_key(at, form, "expected")).set_value(12_000.0)
    at.text_area(key=form_key(at, form, "note")).input("**Sponsor** left <b>last week</b>")
    at.button(key=submit_key(at, form, "Save forecast")).click().run()
    assert not at.exception and not at.error
    assert any("Forecast saved" in s.value for s in at.success)
    assert count(writable_demo, rows, a=account_id) == 1
    history = next(df.value for df in at.dataframe if "recorded_at" in df.value.columns)
    assert list(history["note"]) == ["**Sponsor** left <b>last week</b>"]  # shown as text
    assert list(history["by_user"]) == [csm["email"]] and list(history["expected_arr"]) == [12_000.0]
    assert any("CSM forecast: At risk, expecting $12.0k (version 1" in t.value for t in at.text)


def test_someone_elses_account_shows_the_forecast_but_no_form(backend, writable_demo, monkeypatch):
    at, _csm, _account = forecast_page_as(monkeypatch, writable_demo, own=False)
    assert any("recording one is for its CSM" in i.value for i in at.info)
    assert not [s for s in at.selectbox if (s.key or "").startswith("forecast_")]
