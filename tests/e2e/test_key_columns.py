"""My accounts' book shows its key columns whole at 1440 px: account, health, band, why, ARR,
renewal, last touch and open flags on screen, and no reason cut off (they wrap, up to three lines);
what changed on the book shows its account, change, day, what, health, band and ARR the same way;
at 1024 px the account, its health and band are whole and what shows of the reasons is not cut.
Read from the grid's pixels (tests/e2e/grid.py): the grid is a canvas."""
import re

import pytest
from playwright.sync_api import expect

from components.tables import ACCOUNT_COLUMNS, CHANGE_COLUMNS
from tests.e2e import grid
from tests.e2e.browser import after_action, open_page, table, wait_for_app

KEY = ["name", "health_score", "health_band", "why", "arr", "renewal_due_date", "days_since_touch", "open_flags"]
HEADERS = [ACCOUNT_COLUMNS[c]["label"] for c in KEY]
TEXT = [ACCOUNT_COLUMNS[c]["label"] for c in ("name", "why")]
CHANGES = [CHANGE_COLUMNS[c]["label"] for c in ("name", "change", "changed_on", "detail", "health_score",
                                                 "health_band", "arr")]
ONE_LINE = 45  # characters of reasons that fit on one line of the column: longer ones must wrap, not be cut


def my_book(browser, app, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()
    tab.goto(app.url, timeout=120_000)
    wait_for_app(tab, timeout=180_000)
    tab.get_by_label("View as", exact=True).first.click()  # a CSM of the demo with red, risky accounts
    tab.get_by_role("option").filter(has_text=re.compile(r" · CSM · ")).nth(2).click()
    after_action(tab)
    open_page(tab, app.url, "My accounts")
    return context, tab


@pytest.mark.parametrize("backend", ["duckdb"])
def test_my_accounts_key_columns_are_whole_at_1440(browser, app):
    context, tab = my_book(browser, app, 1440, 1000)
    book = table(tab, "my_accounts_book")
    shown = grid.read(tab, book)
    whole = [c.name for c in shown.columns() if c.right is not None]
    assert [h for h in HEADERS if h not in whole] == []
    reasons = book.locator("td[role=gridcell][aria-colindex='4']").all_inner_texts()
    assert shown.names[3] == ACCOUNT_COLUMNS["why"]["label"]
    assert max(map(len, reasons)) > ONE_LINE, "no long reasons on screen: the test would prove nothing"
    assert shown.cut(TEXT) == []
    changes = grid.read(tab, table(tab, "my_accounts_changes"))  # what changed on the book: wrapped the same way
    assert [h for h in CHANGES if h not in [c.name for c in changes.columns() if c.right is not None]] == []
    assert changes.cut(["Account", "What", "Band"]) == []
    context.close()


@pytest.mark.parametrize("backend", ["duckdb"])
def test_my_accounts_at_1024_keeps_the_account_and_its_health_whole(browser, app):
    context, tab = my_book(browser, app, 1024, 768)
    shown = grid.read(tab, table(tab, "my_accounts_book"))
    whole = [c.name for c in shown.columns() if c.right is not None]
    assert [h for h in HEADERS[:3] if h not in whole] == []
    assert shown.cut(TEXT) == []
    context.close()


@pytest.mark.parametrize("backend", ["duckdb"])
def test_account_search_at_1024_shows_whole_chips(browser, app):
    """Typed, not entered: the matches show health, band, ARR and renewal whole, a "No score" chip too."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    tab = context.new_page()
    tab.goto(f"{app.url}/account", timeout=120_000)
    wait_for_app(tab, timeout=180_000)
    tab.get_by_label("View as", exact=True).first.click()  # a CSM: their team's accounts, unscored ones among them
    tab.get_by_role("option").filter(has_text=re.compile(r" · CSM · ")).first.click()
    after_action(tab)
    box = tab.get_by_label("Find an account by name", exact=True)
    box.click()
    box.press_sequentially("Pine", delay=100)
    matches = table(tab, "account_matches")  # before typing: the largest accounts; then those named Pine…
    expect(matches.locator("td[role=gridcell][aria-colindex='1']").first).to_contain_text("Pine", timeout=30_000)
    wait_for_app(tab)
    bands = matches.locator("td[role=gridcell][aria-colindex='3']").all_inner_texts()
    assert "No score" in bands, "no unscored account among the matches: the test would prove nothing"
    shown = grid.read(tab, matches)
    whole = [c.name for c in shown.columns() if c.right is not None]
    assert [h for h in HEADERS if h in shown.names and h not in whole and h != shown.names[-1]] == []
    assert {"Account", "Health", "Band", "ARR", "Renewal due"} <= set(whole)
    assert shown.cut(["Account", "Band"]) == []
    context.close()
