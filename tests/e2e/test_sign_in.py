"""Streamlit's own sign-in (st.login, OIDC) end to end: `streamlit run` with an `[auth]` section
for a real OpenID provider on loopback, driven in Chromium through the provider's own page.

Who is who comes from the `csms` table of the book the app serves (the DuckDB server builds the
demo book from the same seed as the test's own)."""
import re

import pytest
from playwright.sync_api import expect

from components.identity import ROLE_LABELS
from queries import people
from tests.e2e.browser import metric_value, wait_for_app

NOT_LOOPBACK = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


@pytest.fixture
def signed_app(backend, servers, oidc_provider):
    return servers(backend, sign_in=oidc_provider)


@pytest.fixture
def tab(browser, signed_app):
    """A fresh browser (no identity cookie) that reaches nothing but loopback: the provider's
    page links a stylesheet from the internet."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.route(NOT_LOOPBACK, lambda route: route.abort())
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def staff(backend, demo_warehouses):
    return people.staff(demo_warehouses(backend))


def sign_in(tab, app, provider, email: str) -> None:
    """As a user does: the app's "Sign in" button, the provider's form, and back."""
    tab.goto(app.url, timeout=120_000)
    wait_for_app(tab, timeout=180_000)  # the first visit may build the demo warehouse
    shows_no_data(tab)  # signed out: a prompt only
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{provider.url}/oauth2/authorize?**")
    tab.get_by_placeholder("sub").fill(email)  # this provider signs the subject in as its email claim
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(lambda url: url.startswith(app.url) and "/oauth2callback" not in url)
    wait_for_app(tab)


def shows_no_data(tab) -> None:
    for data in ("stDataFrame", "stMetric", "stPlotlyChart"):
        expect(tab.get_by_test_id(data)).to_have_count(0)
    expect(tab.get_by_label("Segment", exact=True)).to_have_count(0)  # nor the shared filters


def test_a_csm_signs_in_lands_on_their_own_book_and_signs_out(tab, signed_app, oidc_provider, staff):
    csm = staff.filter(staff["role"] == "csm").row(0, named=True)
    # providers do not all keep an address's case: matching csms ignores it
    sign_in(tab, signed_app, oidc_provider, csm["email"].upper())

    expect(tab.get_by_role("heading", name="My accounts", level=1)).to_be_visible()
    sidebar = tab.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"Signed in as {csm['name']} ({ROLE_LABELS['csm']})")
    book_of = tab.get_by_role("combobox", name="Book of")
    expect(book_of).to_have_value(csm["name"])
    expect(book_of).to_be_disabled()  # a CSM sees their own book only
    assert int(metric_value(tab, "Accounts").replace(",", "")) > 0

    sidebar.get_by_role("button", name="Sign out").click()
    tab.wait_for_url(f"{oidc_provider.url}/oauth2/end_session?**")  # the provider's session ends too
    tab.get_by_role("button", name="End session").click()
    tab.wait_for_url(lambda url: url.startswith(signed_app.url) and "/oauth2callback" not in url)
    wait_for_app(tab)
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    shows_no_data(tab)
    tab.reload()  # the identity cookie is gone, not just hidden
    wait_for_app(tab)
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    shows_no_data(tab)


def test_an_email_not_in_the_team_list_sees_nothing(tab, signed_app, oidc_provider, staff):
    stranger = "someone.else@elsewhere.example"
    assert stranger not in staff["email"].to_list()
    sign_in(tab, signed_app, oidc_provider, stranger)

    expect(tab.get_by_test_id("stAlertContentWarning")).to_contain_text("not in the CS team list")
    shows_no_data(tab)
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
