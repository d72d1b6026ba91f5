"""The app as a user runs it, through AppTest, on both backends."""
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest


from components import kpi, registry
from components.safe_text import md
from queries import db, flags, portfolio
from tests.apptest import form_key, keep_apptest_on_navigation, submit_key
from components.identity import UNSAFE_DEMO_ENV
from queries.db import APP_SCHEMA_ENV, DEMO_PATH_ENV, URL_ENV
from queries.definitions import SMALL_SAMPLE_BELOW
from queries.scope import Filters
from tests.conftest import DEMO_AS_OF

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = [p.path for p in registry.PAGES]


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)


def open_app(monkeypatch, url: str | None, app_schema: str = "cockpit") -> AppTest:
    if url:
        monkeypatch.setenv(URL_ENV, url)
    else:
        monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.setenv(APP_SCHEMA_ENV, app_schema)
    # a test warehouse is not the embedded demo: the demo picker needs the operator's opt-in
    monkeypatch.setenv(UNSAFE_DEMO_ENV, "1")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    return at


def warnings(at: AppTest) -> list[str]:
    """The page's warnings, less the banner of the unsafe demo identity these tests opt into."""
    return [w.value for w in at.warning if UNSAFE_DEMO_ENV not in w.value]


def tile(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_an_exception(backend, demo_warehouse, monkeypatch, page):
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    at.switch_page(page)
    at.run()
    assert not at.exception
    assert not at.error
    assert not warnings(at)
    assert any("data as of 23 Nov 2026" in c.value.replace("Data", "data") for c in at.caption)


def test_portfolio_tiles_show_the_metric_functions_numbers(backend, demo_warehouse, monkeypatch):
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    k = portfolio.kpis(demo_warehouse, Filters())
    assert tile(at, "Accounts") == f"{k['accounts']:,}"
    assert tile(at, "ARR") == f"${k['arr'] / 1e6:,.1f}M"
    assert tile(at, "Average health") == f"{k['avg_health']:,.0f}"
    assert tile(at, "Green accounts") == kpi.percent(k["green_share"])
    lowest = next(d.value for d in at.dataframe if "health_change_4w" in d.value.columns)
    assert list(lowest["account_id"]) == portfolio.lowest_health(demo_warehouse, Filters(), 25)["account_id"].to_list()


def test_portfolio_reads_tier_movement_only_while_its_expander_is_open(backend, demo_warehouse, monkeypatch):
    """Closed, the tier movement's query does not run (it compares the whole book with itself 90
    days ago); opened, its chart and table show the query's numbers."""
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    st.cache_data.clear()  # every statement of the page runs again, traced
    db.TRACE = []
    try:
        at.run()
        assert db.TRACE and not any("then_state" in str(statement) for statement, *_ in db.TRACE)
    finally:
        db.TRACE = None
    assert not any(c.key == "portfolio_tier_chart" for c in at.get("plotly_chart"))
    at.session_state["portfolio_tier_open"] = True
    at.run()
    movement = portfolio.tier_movement(demo_warehouse, Filters())
    shown = [d.value for d in at.dataframe if len(d.value) == len(movement) and "accounts" in d.value.columns]
    assert shown and list(shown[0]["accounts"]) == movement["accounts"].to_list() and len(movement) > 0


def test_filters_apply_and_survive_a_page_switch(backend, demo_warehouse, monkeypatch):
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    at.multiselect(key="filter_segments").set_value(["smb"])
    at.run()
    smb = portfolio.kpis(demo_warehouse, Filters(segments=("smb",)))
    assert tile(at, "Accounts") == f"{smb['accounts']:,}"
    at.switch_page("pages/portfolio.py")
    at.run()
    assert at.multiselect(key="filter_segments").value == ["smb"]
    assert tile(at, "Accounts") == f"{smb['accounts']:,}"
    at.button(key="filter_reset").click()
    at.run()
    assert tile(at, "Accounts") == "1,600"


def test_filters_that_match_nothing_show_an_empty_state(demo_warehouses, monkeypatch):
    at = open_app(monkeypatch, demo_warehouses("duckdb").url, demo_warehouses("duckdb").app_schema)
    at.multiselect(key="filter_segments").set_value(["high_touch"])
    at.multiselect(key="filter_tiers").set_value(["abandoned"])
    at.multiselect(key="filter_stages").set_value(["onboarding"])
    at.run()
    assert not at.exception
    assert any("No accounts match" in i.value for i in at.info)


def test_an_unreachable_warehouse_gets_one_clear_message(monkeypatch):
    at = open_app(monkeypatch, "postgresql+psycopg2://nobody@127.0.0.1:1/nowhere")
    assert not at.exception
    assert len(at.error) == 1 and "cannot be read" in at.error[0].value
    assert "did not answer" in at.error[0].value


def test_a_warehouse_without_the_contract_tables_says_so(tmp_path, monkeypatch):
    empty = tmp_path / "empty.duckdb"
    sa.create_engine(f"duckdb:///{empty}").connect().close()
    at = open_app(monkeypatch, f"duckdb:///{empty}")
    assert not at.exception
    assert "tables of the warehouse contract are missing" in at.error[0].value


def test_first_start_builds_the_demo_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv(DEMO_PATH_ENV, str(tmp_path / "first" / "demo.duckdb"))
    at = open_app(monkeypatch, None)
    assert not at.exception
    assert (tmp_path / "first" / "demo.duckdb").exists()
    assert tile(at, "Accounts") == "1,600"
    assert any("Demo data" in c.value for c in at.sidebar.caption)


def test_every_run_goes_through_the_router(demo_warehouses, monkeypatch):
    """Guards the AppTest workaround above: a rerun must render the router's sidebar again."""
    at = open_app(monkeypatch, demo_warehouses("duckdb").url, demo_warehouses("duckdb").app_schema)
    at.run()
    assert at.sidebar.multiselect(key="filter_segments") is not None
    assert any("data as of" in c.value for c in at.sidebar.caption)


def test_a_query_failing_inside_a_page_gets_the_same_message(backend, empty_warehouse, monkeypatch):
    """The router reads the snapshot and the staff list; the page's trend needs health_weekly."""
    from tests.test_portfolio_queries import build_book
    wh = build_book().write(empty_warehouse)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql("drop table health_weekly")
    at = on_page(monkeypatch, wh, "pages/portfolio.py")
    assert not at.exception
    assert len(at.error) == 1 and "contract are missing" in at.error[0].value
    assert at.metric  # what rendered before the failure stays


def largest_account(wh) -> int:
    from queries import account
    return account.search(wh, Filters()).row(0, named=True)["account_id"]


def on_page(monkeypatch, wh, page: str, view: str | None = None) -> AppTest:
    at = open_app(monkeypatch, wh.url, wh.app_schema)
    at.switch_page(page)
    if registry.page(page).needs_account:
        at.query_params["account"] = str(largest_account(wh))
    at.run()
    if view:
        at.button_group(key=registry.page(page).views.key).set_value(view)
        at.run()
    return at


@pytest.mark.parametrize("page, view", [(p.path, v) for p in registry.PAGES if p.views for v in p.views.options])
def test_every_view_runs_without_an_exception(backend, demo_warehouse, monkeypatch, page, view):
    at = on_page(monkeypatch, demo_warehouse, page, view)
    assert not at.exception
    assert not at.error
    assert not warnings(at)  # e.g. Streamlit's "default value also set via Session State"
    if not registry.page(page).needs_account:  # (an account's section may hold only a note)
        assert at.dataframe  # every view ends in a table of its numbers


def test_renewal_tiles_show_the_metric_functions_numbers(backend, demo_warehouse, monkeypatch):
    from components.periods import presets
    from queries import renewals
    at = on_page(monkeypatch, demo_warehouse, "pages/renewals.py")
    funnel = renewals.funnel(demo_warehouse, Filters())
    assert tile(at, "Open renewals") == kpi.number(funnel["renewals"].sum())
    assert tile(at, "ARR up for renewal") == kpi.money(funnel["arr_up"].sum())
    overdue = funnel.filter(funnel["due_window"] == "overdue")["renewals"].sum()
    assert tile(at, "Past due, still open") == kpi.number(overdue) and overdue > 0

    at.button_group(key="renewals_view").set_value("Renewal rates")
    at.run()
    period = presets(DEMO_AS_OF)["Last 4 full quarters"]
    total = renewals.rates(demo_warehouse, Filters(), period.start, period.end).row(0, named=True)
    assert tile(at, "Logo renewal rate") == kpi.percent(total["logo_renewal_rate"])
    assert tile(at, "GRR (pure)") == kpi.percent(total["grr"])
    assert tile(at, "NRR") == kpi.percent(total["nrr"])
    table = next(d.value for d in at.dataframe if "nrr" in d.value.columns)
    by_quarter = renewals.rates(demo_warehouse, Filters(), period.start, period.end, "quarter", by_segment=True)
    assert list(table["decided"]) == by_quarter["decided"].to_list()
    # the rows on few renewals are marked (the demo has both kinds)
    assert list(table["small_sample"]) == [n < SMALL_SAMPLE_BELOW for n in table["decided"]]
    assert any(table["small_sample"]) and not all(table["small_sample"])


def test_retention_tiles_show_the_metric_functions_numbers(backend, demo_warehouse, monkeypatch):
    from components.periods import presets
    from queries import retention
    at = on_page(monkeypatch, demo_warehouse, "pages/retention.py")
    period = presets(DEMO_AS_OF)["Last 4 full quarters"]
    bridge = retention.arr_bridge(demo_warehouse, Filters(), period.start, period.end).row(0, named=True)
    assert tile(at, "Start ARR") == kpi.money(bridge["start_arr"])
    assert tile(at, "End ARR") == kpi.money(bridge["end_arr"])
    assert tile(at, "Logo churn rate") == kpi.percent(bridge["churn_rate"])

    at.button_group(key="retention_view").set_value("Churn reasons")
    at.run()
    reasons = retention.churn_reasons(demo_warehouse, Filters(), period.start, period.end)
    assert tile(at, "Churned accounts") == kpi.number(reasons["logos"].sum())
    untagged = reasons.filter(reasons["reason"] == "Untagged")["logos"].sum()
    assert tile(at, "Still untagged") == kpi.percent(untagged / reasons["logos"].sum())
    assert 0 < untagged < reasons["logos"].sum()


def test_a_period_choice_persists_when_leaving_and_coming_back(demo_warehouses, monkeypatch):
    wh = demo_warehouses("duckdb")
    at = on_page(monkeypatch, wh, "pages/retention.py")
    at.selectbox(key="retention_bridge_period").set_value("Year to date")
    at.run()
    at.switch_page("pages/portfolio.py")
    at.run()
    at.switch_page("pages/retention.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="retention_bridge_period").value == "Year to date"


def test_the_funnel_drill_lists_the_accounts_of_the_chosen_windows(demo_warehouses, monkeypatch):
    from queries import renewals
    wh = demo_warehouses("duckdb")
    at = on_page(monkeypatch, wh, "pages/renewals.py")
    at.multiselect(key="renewals_windows").set_value(["overdue"])
    at.run()
    table = next(d.value for d in at.dataframe if "days_to_due" in d.value.columns)
    expected = renewals.funnel_accounts(wh, Filters(), ("overdue",))
    assert list(table["account_id"]) == expected["account_id"].to_list()
    assert len(table) > 0 and all(table["past_due"]) and all(table["days_to_due"] < 0)


def test_adoption_tiles_show_the_metric_functions_numbers(backend, demo_warehouse, monkeypatch):
    from components.periods import presets
    from queries import nps, onboarding
    at = on_page(monkeypatch, demo_warehouse, "pages/onboarding.py")
    now = onboarding.in_onboarding(demo_warehouse, Filters())
    summary = onboarding.onboarding_summary(demo_warehouse, Filters())
    assert tile(at, "Accounts in onboarding") == kpi.number(summary["accounts"]) == kpi.number(now.height)
    assert tile(at, "Go-live slipped") == kpi.number(now["go_live_slipped"].sum()) != "0"

    at = on_page(monkeypatch, demo_warehouse, "pages/nps.py")
    period = presets(DEMO_AS_OF)["Last 12 months"]
    total = nps.nps_by_group(demo_warehouse, Filters(), period.start, period.end).row(0, named=True)
    assert tile(at, "NPS") == kpi.number(total["nps"])
    assert tile(at, "Response rate") == kpi.percent(total["response_rate"])
    comments = next(d.value for d in at.dataframe if "comment" in d.value.columns)
    assert list(comments["account_id"]) == nps.detractor_comments(demo_warehouse, Filters())["account_id"].to_list()


def test_demo_mode_offers_a_view_as_picker_and_a_lead_starts_on_their_team(demo_warehouses, monkeypatch):
    from queries import people, team
    wh = demo_warehouses("duckdb")
    at = open_app(monkeypatch, wh.url, wh.app_schema)
    picker = at.sidebar.selectbox(key="identity_view_as")
    assert any("Demo mode" in c.value for c in at.sidebar.caption)
    staff = people.staff(wh)
    lead = staff.filter(staff["role"] == "lead").row(0, named=True)
    picker.set_value(lead["email"])
    at.run()
    assert at.multiselect(key="filter_teams").value == [lead["team"]]
    at.switch_page("pages/team.py")
    at.run()
    assert not at.exception
    books = team.workload(wh, Filters(teams=(lead["team"],)))
    assert tile(at, "CSMs") == str(books.height)
    shown = next(d.value for d in at.dataframe if "book_load" in d.value.columns)
    assert set(shown["team"]) == {lead["team"]}


AUTH_SECRETS = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                "client_id": "id", "client_secret": "secret",
                "server_metadata_url": "https://sso.example/.well-known/openid-configuration"}


def test_with_sign_in_configured_there_is_no_demo_picker_and_no_data_before_sign_in(demo_warehouses, monkeypatch):
    wh = demo_warehouses("duckdb")
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH_SECRETS
    at.run()
    assert not at.exception
    assert not at.metric and not at.dataframe
    assert any("Sign in" in b.label for b in at.button)
    assert not [s for s in at.sidebar.selectbox if s.key == "identity_view_as"]


@pytest.mark.parametrize("email, sees_data", [("quinn.patel@wingtip.example", True), ("stranger@evil.example", False)])
def test_a_signed_in_user_is_matched_by_email(demo_warehouses, monkeypatch, email, sees_data):
    from queries import people
    wh = demo_warehouses("duckdb")
    staff = people.staff(wh)
    known = staff.filter(staff["role"] == "csm").row(0, named=True)["email"]
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH_SECRETS
    at.user = {"is_logged_in": True, "email": known.upper() if sees_data else email}
    at.run()
    assert not at.exception
    assert bool(at.metric) == sees_data
    if not sees_data:
        assert any("not in the CS team list" in w.value for w in at.warning)


def view_as(monkeypatch, wh, role: str, index: int = 0) -> tuple[AppTest, dict]:
    """The app in demo mode, viewed as the index-th person of a role."""
    from queries import people
    staff = people.staff(wh)
    person = staff.filter(staff["role"] == role).row(index, named=True)
    at = open_app(monkeypatch, wh.url, wh.app_schema)
    at.sidebar.selectbox(key="identity_view_as").set_value(person["email"])
    at.run()
    return at, person


def test_a_signed_in_csm_starts_on_my_accounts(demo_warehouses, monkeypatch):
    from queries import people
    wh = demo_warehouses("duckdb")
    staff = people.staff(wh)
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH_SECRETS
    at.user = {"is_logged_in": True, "email": staff.filter(staff["role"] == "csm")["email"][0]}
    at.run()
    assert not at.exception
    assert at.title[0].value == "My accounts"


def test_my_accounts_of_a_csm_holds_only_their_own_book(backend, demo_warehouse, monkeypatch):
    from queries import my_accounts
    from tests.builders import count
    at, csm = view_as(monkeypatch, demo_warehouse, "csm", 3)
    at.switch_page("pages/my_accounts.py")
    at.run()
    assert not at.exception and not at.error
    picker = at.selectbox(key="my_accounts_csm")
    assert picker.disabled and picker.options == [csm["name"]]
    shown = next(d.value for d in at.dataframe if "why" in d.value.columns)
    expected = my_accounts.book(demo_warehouse, Filters(csm_ids=(csm["csm_id"],)))
    assert list(shown["account_id"]) == expected["account_id"].to_list() and len(shown) > 0
    ids = ", ".join(str(i) for i in shown["account_id"])
    assert count(demo_warehouse, f"select count(*) from accounts where account_id in ({ids}) and csm_id <> :c",
                 c=csm["csm_id"]) == 0
    signals_shown = next(d.value for d in at.dataframe if "evidence" in d.value.columns)
    assert set(signals_shown["account_id"]) <= set(shown["account_id"])


def test_my_accounts_opens_with_what_changed_since_a_week_before(backend, demo_warehouse, monkeypatch):
    from queries import changes
    from queries.db import fetch
    at, csm = view_as(monkeypatch, demo_warehouse, "csm", 3)
    at.switch_page("pages/my_accounts.py")
    at.run()
    as_of = fetch(demo_warehouse, sa.text("select max(as_of) as day from account_snapshot"))["day"][0]
    since = at.date_input(key="my_accounts_since")
    assert since.value == as_of - dt.timedelta(days=changes.DEFAULT_DAYS_BACK)
    expected = changes.since(demo_warehouse, Filters(csm_ids=(csm["csm_id"],)), since.value, csm["email"])
    shown = next(d.value for d in at.dataframe if "detail" in d.value.columns)
    assert len(expected) > 0 and list(shown["account_id"]) == expected["account_id"].to_list()
    n = changes.counts(expected)
    assert any(c.value.startswith(f"Flag assigned: {n['flag_assigned']} · Turned red: {n['turned_red']}")
               for c in at.caption)
    since.set_value(as_of).run()  # nothing can have changed after the as-of day in the warehouse
    assert not at.exception
    assert all("detail" not in d.value.columns for d in at.dataframe)
    assert any(c.value == f"Nothing changed on this book after {as_of:%d %b %Y}." for c in at.caption)


def test_a_lead_can_open_any_book_of_their_team_and_no_other(demo_warehouses, monkeypatch):
    from queries import people
    wh = demo_warehouses("duckdb")
    at, lead = view_as(monkeypatch, wh, "lead")
    at.switch_page("pages/my_accounts.py")
    at.run()
    staff = people.staff(wh)
    team = staff.filter((staff["role"] == "csm") & (staff["team"] == lead["team"]))
    assert sorted(at.selectbox(key="my_accounts_csm").options) == sorted(team["name"].to_list())
    assert len(team) > 1


def test_the_account_page_opens_from_its_link(backend, demo_warehouse, monkeypatch):
    from queries import account
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    top = account.search(demo_warehouse, Filters()).row(0, named=True)
    at.switch_page("pages/account.py")
    at.query_params["account"] = str(top["account_id"])
    at.run()
    assert not at.exception and not at.error and not warnings(at)
    assert at.title[0].value == top["name"]
    assert tile(at, "ARR").startswith("$")
    parts = next(d.value for d in at.dataframe if "effective_weight" in d.value.columns)
    assert abs(parts["effective_weight"].sum() - 1) < 1e-9  # missing weights spread, never lost


@pytest.mark.parametrize("link, message", [("abc", "not a number"), ("99999999", "No account has the id")])
def test_a_bad_account_link_says_so_and_offers_the_search(demo_warehouses, monkeypatch, link, message):
    wh = demo_warehouses("duckdb")
    at = open_app(monkeypatch, wh.url, wh.app_schema)
    at.switch_page("pages/account.py")
    at.query_params["account"] = link
    at.run()
    assert not at.exception
    assert any(message in w.value for w in at.warning)
    at.text_input(key="account_search").input("pine").run()
    found = next(d.value for d in at.dataframe if "name" in d.value.columns)
    assert len(found) > 0 and all("pine" in n.lower() for n in found["name"])


def test_two_csms_in_one_process_never_see_each_others_cached_book(demo_warehouses, monkeypatch):
    """Cached results are shared by all sessions: the book's cache key carries whose book it is."""
    wh = demo_warehouses("duckdb")
    books = []
    for index in (0, 1):
        at, csm = view_as(monkeypatch, wh, "csm", index)
        at.switch_page("pages/my_accounts.py")
        at.run()
        books.append(set(next(d.value for d in at.dataframe if "why" in d.value.columns)["account_id"]))
    assert books[0] and books[1] and not books[0] & books[1]


def account_page_as(monkeypatch, wh, role: str, index: int, own: bool = True, section: str = "flags"):
    """The account page of one of the viewer's accounts (or of someone else's), opened on a section
    through its link (by default the flags and churn tags)."""
    from queries import people
    at, person = view_as(monkeypatch, wh, role, index)
    staff = people.staff(wh)
    op = "=" if own else "<>"
    with wh.engine.connect() as conn:
        account_id = conn.execute(sa.text(f"""select a.account_id from accounts as a
            inner join account_snapshot as s on s.account_id = a.account_id
            where a.csm_id {op} :c and s.is_live order by s.arr desc limit 1"""), {"c": person["csm_id"]}).scalar_one()
    at.switch_page("pages/account.py")
    at.query_params["account"] = str(account_id)
    at.query_params["section"] = section
    at.run()
    assert not at.exception and staff.height
    assert at.button_group(key="account_section").value == section
    return at, person, account_id


def flag_rows(wh, account_id) -> int:
    from tests.builders import count
    return count(wh, f"select count(*) from {wh.app_schema}.risk_flags where account_id = :a", a=account_id)


def test_raising_a_flag_from_the_account_page(backend, writable_demo, monkeypatch):
    at, csm, account_id = account_page_as(monkeypatch, writable_demo, "csm", 2)
    at.text_input(key=form_key(at, "flag_raise", "reason")).input("   ")
    at.button(key=submit_key(at, "flag_raise", "Raise flag")).click().run()
    assert any("reason is required" in e.value for e in at.error)
    assert flag_rows(writable_demo, account_id) == 0

    payload = "<script>alert('x')</script> **not bold**"
    at.text_input(key=form_key(at, "flag_raise", "reason")).input(payload)
    at.selectbox(key=form_key(at, "flag_raise", "severity")).set_value(3)
    at.button(key=submit_key(at, "flag_raise", "Raise flag")).click().run()
    assert not at.exception and not at.error
    assert any("Risk flag raised" in s.value for s in at.success)
    assert flag_rows(writable_demo, account_id) == 1
    shown = next(d.value for d in at.dataframe if "raised_by" in d.value.columns)
    assert list(shown["reason"]) == [payload] and list(shown["raised_by"]) == [csm["email"]]
    assert not [m for m in at.markdown if "<script>" in m.value]  # user text never goes through Markdown

    at.switch_page("pages/my_accounts.py")
    at.run()
    book = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert book["account_id"].iloc[0] == account_id and book["open_flags"].iloc[0] == 1


def test_an_over_long_note_is_refused_with_a_message(backend, writable_demo, monkeypatch):
    from queries import writeback as wb
    at, _csm, account_id = account_page_as(monkeypatch, writable_demo, "csm", 2)
    at.text_input(key=form_key(at, "flag_raise", "reason")).input("ok")
    at.text_area(key=form_key(at, "flag_raise", "note")).input("n" * (wb.NOTE_MAX + 1))
    at.button(key=submit_key(at, "flag_raise", "Raise flag")).click().run()
    assert any("too long" in e.value for e in at.error)
    assert flag_rows(writable_demo, account_id) == 0


def test_resolving_a_flag_resolved_meanwhile_says_who_did_it(writable_demo, monkeypatch, backend):
    from queries import writeback as wb
    at, csm, account_id = account_page_as(monkeypatch, writable_demo, "csm", 2)
    at.text_input(key=form_key(at, "flag_raise", "reason")).input("Sponsor leaving")
    at.button(key=submit_key(at, "flag_raise", "Raise flag")).click().run()
    flag_id = flags.of_account(writable_demo, account_id, dt.date.today())["flag_id"][0]
    other = wb.Writer("ops@wingtip.example", "ops", "Operations", None)
    wb.resolve_flag(writable_demo, other, flag_id, "Handled by ops")
    events = flags.events(writable_demo, account_id).height
    at.text_area(key=form_key(at, f"flag_resolve_{flag_id}", "text")).input("Me too")
    at.button(key=submit_key(at, f"flag_resolve_{flag_id}", "Resolve flag")).click().run()
    assert any(md("already resolved by ops@wingtip.example") in e.value for e in at.error)  # shown as text
    assert flags.events(writable_demo, account_id).height == events


def test_someone_elses_account_is_read_only_for_a_csm(writable_demo, monkeypatch, backend):
    at, _csm, _account = account_page_as(monkeypatch, writable_demo, "csm", 2, own=False)
    assert any("writing is for its CSM" in i.value for i in at.info)
    assert not [t for t in at.text_input if t.key.startswith("flag_raise")]


def churn_reasons_as(monkeypatch, wh, role: str) -> tuple[AppTest, dict]:
    """The churn-reasons view of Retention, seen by the first person of a role."""
    at, person = view_as(monkeypatch, wh, role)
    at.switch_page("pages/retention.py")
    at.run()
    at.button_group(key="retention_view").set_value("Churn reasons")
    at.run()
    return at, person


def test_tagging_the_churn_backlog_in_bulk(writable_demo, monkeypatch, backend):
    from components.periods import presets
    from queries import retention, writeback as wb
    at, leader = churn_reasons_as(monkeypatch, writable_demo, "leader")
    at.button(key=submit_key(at, "retention_bulk_tag", "Save tag")).click().run()
    assert any("Choose at least one account" in e.value for e in at.error)

    period = presets(DEMO_AS_OF)["Last 4 full quarters"]
    backlog = retention.untagged_churns(writable_demo, Filters(), period.start, period.end)
    chosen = backlog["account_id"].to_list()[:3]
    at.multiselect(key=form_key(at, "retention_bulk_tag", "accounts")).set_value(chosen)
    at.selectbox(key=form_key(at, "retention_bulk_tag", "primary")).set_value("competitor")
    at.text_area(key=form_key(at, "retention_bulk_tag", "note")).input("Lost to a rival in one quarter")
    at.button(key=submit_key(at, "retention_bulk_tag", "Save tag")).click().run()
    assert not at.exception and not at.error
    assert any(md("saved on 3 account(s)") in s.value for s in at.success)  # shown as text
    for account_id in chosen:
        tag = wb.tag_history(writable_demo, account_id).row(0, named=True)
        assert (tag["version"], tag["primary_reason"], tag["tagged_by"]) == (1, "Moved to competitor", leader["email"])
    assert not set(chosen) & set(at.multiselect(key=form_key(at, "retention_bulk_tag", "accounts")).options)


@pytest.fixture
def own_postgres():
    from tests.conftest import REQUIRE_PG
    from tests.pg_server import OwnPostgres
    try:
        server = OwnPostgres()
    except (FileNotFoundError, OSError) as err:
        if REQUIRE_PG:
            pytest.fail(f"cannot start a PostgreSQL server of the test's own: {err}")
        pytest.skip(f"cannot start a PostgreSQL server of the test's own: {err}")
    server.start()
    yield server
    server.remove()


def test_losing_the_database_mid_session_and_getting_it_back(own_postgres, monkeypatch):
    """Stop the server under a running session: a page and a write each say so, nothing half-written;
    start it again and the same session carries on, without a restart."""
    import streamlit as st
    from queries.db import Warehouse
    from queries.migrations import migrate
    from tests.builders import count
    from tests.test_writeback import build_book
    from warehouse.schema import metadata

    wh = Warehouse(own_postgres.url)
    with wh.engine.begin() as conn:
        metadata.create_all(conn)
    migrate(wh, create_schema=True)
    build_book().write(wh)
    at = open_app(monkeypatch, wh.url)
    at.sidebar.selectbox(key="identity_view_as").set_value("csm1@example.com")
    at.run()
    at.switch_page("pages/account.py")
    at.query_params["account"] = "1"
    at.query_params["section"] = "flags"
    at.run()

    def raise_flag(reason: str):
        at.text_input(key=form_key(at, "flag_raise", "reason")).input(reason)
        at.button(key=submit_key(at, "flag_raise", "Raise flag")).click().run()

    raise_flag("before the outage")
    assert any("Risk flag raised" in s.value for s in at.success)

    own_postgres.stop()
    raise_flag("during the outage")  # the page renders from cache; the write cannot reach the database
    assert not at.exception
    assert any("not saved" in e.value for e in at.error)
    st.cache_data.clear()
    at.run()  # nothing cached: the page itself cannot be read
    assert not at.exception
    assert any("cannot be read right now" in e.value for e in at.error)

    own_postgres.start()
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Account 1"
    raise_flag("after the outage")
    assert any("Risk flag raised" in s.value for s in at.success)
    assert flags.of_account(wh, 1, dt.date.today())["reason"].to_list() == ["after the outage", "before the outage"]
    assert count(wh, "select count(*) from cockpit.risk_flag_events") == 2  # nothing half-written


def test_operations_retire_a_reason_code_and_it_leaves_the_forms(writable_demo, monkeypatch, backend):
    from queries import writeback as wb
    at, _ops = churn_reasons_as(monkeypatch, writable_demo, "ops")
    at.button(key=submit_key(at, "reason_retire", "Retire")).click().run()
    assert any("Choose the reason code" in e.value for e in at.error)
    at.selectbox(key=form_key(at, "reason_retire", "code")).set_value("budget_cut")
    at.button(key=submit_key(at, "reason_retire", "Retire")).click().run()
    assert any("Reason code retired" in s.value for s in at.success)
    assert "budget_cut" not in wb.reasons(writable_demo)["code"].to_list()
    assert "Budget cut" not in at.selectbox(key=form_key(at, "retention_bulk_tag", "primary")).options
