"""End to end, in Chromium, against `streamlit run` on the demo data (DuckDB and PostgreSQL)."""
import re

import pytest
from playwright.sync_api import expect

from components import registry
from tests.e2e.browser import after_action, choose, metric_value, open_first_row, open_page, section, table

# page title in the navigation -> what must be visible on it
PAGES = {p.title: p.shows for p in registry.PAGES}


def no_exception(page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


@pytest.fixture(scope="module")
def tour(browser, servers):
    """`tour(backend)`: one tab per backend that walks the navigation from page to page, as a user
    does; opened (and the app's first page loaded) once, not once per page."""
    from tests.e2e.browser import wait_for_app
    contexts, tabs = [], {}

    def get(backend: str):
        if backend not in tabs:
            context = browser.new_context(viewport={"width": 1500, "height": 1100})
            contexts.append(context)
            tab = context.new_page()
            tab.goto(servers(backend).url, timeout=120_000)
            wait_for_app(tab, timeout=180_000)  # the first visit may build the demo warehouse
            tabs[backend] = tab
        return tabs[backend]
    yield get
    for context in contexts:
        context.close()


@pytest.mark.parametrize("title", PAGES)
def test_every_page_renders_its_chart_and_table(tour, backend, title):
    page = tour(backend)
    open_page(page, "", title)
    no_exception(page)
    expect(page.get_by_test_id("stHeading").first).to_be_visible()
    for test_id in PAGES[title]:
        expect(page.locator(f"[data-testid={test_id}] >> visible=true").first).to_be_visible()


def test_a_filter_change_updates_a_kpi(page):
    open_page(page, "", "Portfolio health")
    everyone = metric_value(page, "Accounts")
    choose(page, "Segment", "SMB")
    expect(page.get_by_test_id("stMetricValue").first).not_to_have_text(everyone)
    smb = metric_value(page, "Accounts")
    assert int(smb.replace(",", "")) < int(everyone.replace(",", ""))
    open_page(page, "", "NPS")
    open_page(page, "", "Portfolio health")  # the filter persists across pages
    assert metric_value(page, "Accounts") == smb


def view_as_a_csm(page) -> str:
    """Pick the first CSM in the demo's "View as" list; return their name."""
    page.get_by_label("View as", exact=True).first.click()
    option = page.get_by_role("option").filter(has_text=re.compile(r" · CSM · ")).first
    name = option.inner_text().split(" · ")[0]
    option.click()
    after_action(page)
    return name


def test_view_as_scopes_my_accounts_to_that_csm(page):
    name = view_as_a_csm(page)
    open_page(page, "", "My accounts")
    no_exception(page)
    book_of = page.get_by_role("combobox", name="Book of")
    expect(book_of).to_have_value(name)
    expect(book_of).to_be_disabled()  # a CSM sees their own book only
    assert int(metric_value(page, "Accounts").replace(",", "")) > 0


def test_a_flag_raised_through_the_form_shows_on_my_accounts(page):
    view_as_a_csm(page)
    open_page(page, "", "My accounts")
    before = int(metric_value(page, "Flags on this book"))
    open_first_row(page, table(page, "my_accounts_book"))
    expect(page.get_by_test_id("stHeading").first).not_to_have_text("My accounts")
    section(page, "Risk flags & churn tags")
    page.get_by_label("Reason", exact=True).fill("Sponsor is leaving in December")
    page.get_by_role("button", name="Raise flag").click()
    after_action(page)
    expect(page.get_by_text("Risk flag raised", exact=False)).to_be_visible()
    open_page(page, "", "My accounts")
    assert int(metric_value(page, "Flags on this book")) == before + 1
