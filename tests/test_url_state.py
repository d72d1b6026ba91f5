"""Links keep state: the sidebar's filters, a page's view and (in the demo only) who is looking
come from the URL, so a reload or a shared link shows the same screen; a bad value is dropped
without a word and is never rendered."""
import pytest
from streamlit.testing.v1 import AppTest

from components.identity import UNSAFE_DEMO_ENV
from components.safe_text import md
from queries import labels, people, portfolio
from queries.db import APP_SCHEMA_ENV, URL_ENV
from queries import definitions as d
from queries.definitions import SEGMENT_LABELS
from queries.roles import people_labels
from queries.scope import Filters
from tests.apptest import keep_apptest_on_navigation
from tests.test_app import APP, AUTH_SECRETS, tile, warnings

HOSTILE = "**bold** [link](https://evil.example) <b>x</b>"


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)


def open_link(monkeypatch, wh, params: dict, demo: bool = True, page: str | None = None) -> AppTest:
    """A fresh session opened on a link carrying `params` (as a reload or a shared link does)."""
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    if demo:
        monkeypatch.setenv(UNSAFE_DEMO_ENV, "1")
    else:
        monkeypatch.delenv(UNSAFE_DEMO_ENV, raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if not demo:
        at.secrets["auth"] = AUTH_SECRETS
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def rendered_text(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "title", "warning", "info", "error", "success")
                    for e in getattr(at, kind))


def test_a_link_with_filters_opens_on_those_filters(backend, demo_warehouse, monkeypatch):
    at = open_link(monkeypatch, demo_warehouse, {
        "filter_segments": [SEGMENT_LABELS["smb"], HOSTILE], "filter_stages": [labels.value("lifecycle_stage", "onboarding"), "nonsense"]},
        page="pages/portfolio.py")
    assert not at.exception and not at.error and not warnings(at)
    assert at.multiselect(key="filter_segments").value == ["smb"]  # the bad value is dropped
    assert at.multiselect(key="filter_stages").value == ["onboarding"]
    expected = portfolio.kpis(demo_warehouse, Filters(segments=("smb",), stages=("onboarding",)))
    assert tile(at, "Accounts") == f"{expected['accounts']:,}"
    assert "evil.example" not in rendered_text(at) and "bold" not in rendered_text(at)


def test_a_link_to_a_pages_view_opens_that_view(demo_warehouses, monkeypatch):
    wh = demo_warehouses("duckdb")
    at = open_link(monkeypatch, wh, {"renewals_view": "Renewal rates"}, page="pages/renewals.py")
    assert at.segmented_control(key="renewals_view").value == "Renewal rates"
    assert any(m.label == "Logo renewal rate" for m in at.metric)
    at = open_link(monkeypatch, wh, {"retention_view": HOSTILE}, page="pages/retention.py")
    assert not at.exception and not warnings(at)
    assert at.segmented_control(key="retention_view").value == "ARR bridge"
    assert "evil.example" not in rendered_text(at)


def test_the_demo_identity_comes_back_from_the_link(demo_warehouses, monkeypatch):
    wh = demo_warehouses("duckdb")
    staff = people.staff(wh)
    lead = staff.filter(staff["role"] == "lead").row(0, named=True)
    at = open_link(monkeypatch, wh, {"identity_view_as": people_labels(staff)[lead["email"]]})
    assert at.sidebar.selectbox(key="identity_view_as").value == lead["email"]
    assert at.multiselect(key="filter_teams").value == [lead["team"]]  # the lead's own defaults
    at = open_link(monkeypatch, wh, {"identity_view_as": HOSTILE})
    assert not at.exception and not warnings(at)
    assert at.sidebar.selectbox(key="identity_view_as").value == staff["email"][0]  # dropped: the first person


def test_with_sign_in_the_url_names_nobody(demo_warehouses, monkeypatch):
    wh = demo_warehouses("duckdb")
    staff = people.staff(wh)
    head = staff.filter(staff["role"] == "leader").row(0, named=True)
    csm = staff.filter(staff["role"] == "csm").row(0, named=True)
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH_SECRETS
    at.user = {"is_logged_in": True, "email": csm["email"]}
    at.query_params["identity_view_as"] = people_labels(staff)[head["email"]]
    at.run()
    assert not at.exception
    assert at.title[0].value == "My accounts"  # still the signed-in CSM, not the Head of CS
    assert at.multiselect(key="filter_teams").value == [csm["team"]]
    assert not [s for s in at.sidebar.selectbox if s.key == "identity_view_as"]


def test_leaving_an_account_keeps_the_filters_in_the_link(demo_warehouses, monkeypatch):
    """st.query_params.clear() raises while a filter is bound to the URL: leaving an account drops
    only the account."""
    wh = demo_warehouses("duckdb")
    top = portfolio.lowest_health(wh, Filters(segments=("smb",)), 1).row(0, named=True)
    at = open_link(monkeypatch, wh, {"filter_segments": SEGMENT_LABELS["smb"]})
    at.switch_page("pages/account.py")
    at.query_params["account"] = str(top["account_id"])
    at.run()
    assert at.title[0].value == md(top["name"])
    at.button(key="account_other").click().run()
    assert not at.exception
    assert at.title[0].value == "Account"
    assert at.multiselect(key="filter_segments").value == ["smb"]


def test_a_link_opens_the_book_it_names_if_the_viewer_may_open_it(demo_warehouses, monkeypatch):
    wh = demo_warehouses("duckdb")
    staff = people.staff(wh)
    labelled = people_labels(staff)
    lead = staff.filter(staff["role"] == "lead").row(0, named=True)
    team = staff.filter((staff["role"] == "csm") & (staff["team"] == lead["team"]))
    other = team.row(team.height - 1, named=True)  # not the first of the list: not the default
    at = open_link(monkeypatch, wh, {"identity_view_as": labelled[lead["email"]], "my_accounts_csm": other["name"]},
                   page="pages/my_accounts.py")
    assert not at.exception and not warnings(at)
    assert at.selectbox(key="my_accounts_csm").value == other["csm_id"]
    expected = portfolio.kpis(wh, Filters(stages=tuple(d.LIVE_STAGES), csm_ids=(other["csm_id"],)))
    assert tile(at, "Accounts") == f"{expected['accounts']:,}"
    csm = team.row(0, named=True)  # a CSM may open only their own book: the link's is dropped
    at = open_link(monkeypatch, wh, {"identity_view_as": labelled[csm["email"]], "my_accounts_csm": other["name"]},
                   page="pages/my_accounts.py")
    assert not at.exception and not warnings(at)
    assert at.selectbox(key="my_accounts_csm").value == csm["csm_id"]
