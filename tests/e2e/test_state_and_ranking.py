"""In Chromium: My accounts ranks a hand-built book by ARR at risk; filters, a page's view and the
demo identity survive a reload and travel in a link."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from components.identity import UNSAFE_DEMO_ENV
from queries import my_accounts
from queries.db import APP_SCHEMA_ENV, URL_ENV
from queries.definitions import GREEN_FROM, RED_BELOW
from queries.migrations import migrate
from tests.conftest import least_privileged, new_warehouse
from tests.e2e.browser import after_action, choose, metric_value, open_page, table, wait_for_app
from tests.test_my_accounts_order import ACCOUNTS, build_book, expected_order
from warehouse.schema import metadata

HEALTHY_RENEWING_SOON, CHAMPION_LEFT = 1, 7  # accounts of the hand-built book (tests/test_my_accounts_order.py)


@pytest.fixture(scope="module")
def book_servers(tmp_path_factory):
    """An app server per backend on the ranking test's hand-built book, in demo identity mode."""
    from tests.e2e.browser import AppServer
    started, cleanups = {}, []

    def get(backend: str) -> AppServer:
        if backend not in started:
            home = tmp_path_factory.mktemp(f"ranking-{backend}")
            wh, drop = new_warehouse(backend, home)
            cleanups.append(drop)
            with wh.engine.begin() as conn:
                metadata.create_all(conn)
            build_book().write(wh)
            if backend == "postgres":
                wh = least_privileged(wh, app_schema=f"e2e_{uuid.uuid4().hex[:10]}")
                migrate(wh)
            else:
                migrate(wh, create_schema=True)
            wh.engine.dispose()  # the server opens the DuckDB file next: one process at a time
            server = AppServer({URL_ENV: wh.url, APP_SCHEMA_ENV: wh.app_schema, UNSAFE_DEMO_ENV: "1"},
                               home / "streamlit.log")
            cleanups.insert(0, server.stop)
            started[backend] = server
        return started[backend]
    yield get
    for cleanup in cleanups:
        cleanup()


def test_my_accounts_lists_the_riskiest_account_first(browser, book_servers, backend):
    server = book_servers(backend)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(server.url, timeout=120_000)
    wait_for_app(page, timeout=120_000)
    expect(page.locator("[data-testid=stMain] h1").first).to_have_text("My accounts")  # a CSM's home page
    expect(page.get_by_text(my_accounts.ORDER_RULE[:60])).to_be_visible()  # the rule, stated
    rows = table(page, "my_accounts_book").locator("tbody [role=row]")
    expect(rows).to_have_count(len(expected_order()))
    shown = [int(re.fullmatch(r"Account (\d+)", cell).group(1)) for i in range(rows.count())
             for cell in rows.nth(i).locator("[role=gridcell]").all_inner_texts() if cell.startswith("Account ")]
    assert shown == expected_order()
    # the healthy $100k account renewing in 10 days sits below every risky account, however small
    arr, health, _, due_in = ACCOUNTS[HEALTHY_RENEWING_SOON]
    assert (arr, due_in) == (100_000, 10) and health >= GREEN_FROM
    risky = {a for a, (_, now, _, _) in ACCOUNTS.items() if now < RED_BELOW} | {CHAMPION_LEFT}
    assert set(shown[:shown.index(HEALTHY_RENEWING_SOON)]) == risky
    context.close()


def fresh_tab(browser, url: str):
    """A new browser context (a new session, as a reload or a colleague opening a link is)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    tab.goto(url, timeout=120_000)
    wait_for_app(tab, timeout=180_000)
    return context, tab


def test_filters_survive_a_reload_and_travel_in_a_link(page, browser):
    open_page(page, "", "Portfolio health")
    everyone = metric_value(page, "Accounts")
    choose(page, "Segment", "SMB")
    narrowed = metric_value(page, "Accounts")
    assert narrowed != everyone
    expect(page).to_have_url(re.compile(r"filter_segments=SMB"))
    page.reload()
    wait_for_app(page)
    assert metric_value(page, "Accounts") == narrowed
    open_page(page, "", "NPS")
    open_page(page, "", "Portfolio health")
    assert metric_value(page, "Accounts") == narrowed
    context, colleague = fresh_tab(browser, page.url)  # the link, shared
    assert metric_value(colleague, "Accounts") == narrowed
    expect(colleague.get_by_test_id("stMultiSelect").filter(has_text="Segment")).to_contain_text("SMB")
    context.close()


def test_a_link_with_a_bad_filter_opens_quietly(page, browser, app):
    context, tab = fresh_tab(browser, f"{app.url}/?filter_segments=%2A%2Abold%2A%2A&filter_segments=SMB")
    expect(tab.get_by_test_id("stException")).to_have_count(0)
    expect(tab.get_by_test_id("stAlertContentWarning").filter(has_not_text="Unsafe demo identity")).to_have_count(0)
    expect(tab.get_by_text("bold")).to_have_count(0)
    expect(tab.get_by_test_id("stMultiSelect").filter(has_text="Segment")).to_contain_text("SMB")
    context.close()


def test_a_pages_view_and_the_demo_identity_survive_a_reload(page):
    page.get_by_label("View as", exact=True).first.click()
    option = page.get_by_role("option").filter(has_text=re.compile(r" · CSM · ")).nth(1)
    person = option.inner_text()
    option.click()
    after_action(page)
    open_page(page, "", "Renewals")
    page.get_by_test_id("stButtonGroup").get_by_text("Renewal rates", exact=True).click()
    after_action(page)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="Logo renewal rate")).to_have_count(1)
    expect(page.get_by_role("combobox", name="View as")).to_have_value(person)
    open_page(page, "", "My accounts")
    expect(page.get_by_role("combobox", name="Book of")).to_have_value(person.split(" · ")[0])
