"""Regenerate docs/screenshots/: each page of the app (components/registry.py) on the demo data, as
Chromium renders it; files are named after the pages' files.

    scripts/screenshots            # builds a fresh demo book in a temporary directory

Uses the same server and browser helpers as the end-to-end tests.
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from queries.db import APP_SCHEMA_ENV, DEMO_PATH_ENV, URL_ENV
from components import registry
from tests.e2e.browser import (CHROMIUM, ROOT, AppServer, after_action, chromium_missing, open_first_row, open_page,
                               section, table, wait_for_app)

OUT = ROOT / "docs" / "screenshots"
AS_A_CSM = {"My accounts", "Account", "Follow-ups"}  # shot in a CSM's morning, after the others


def _shoot(page, name: str) -> None:
    page.wait_for_timeout(800)  # let charts finish their entry animation
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
    print(f"  {name}.png")


def _scroll_to(page, heading: str) -> None:
    """The page scrolled so that `heading` sits near the top, with what follows it under it."""
    found = page.get_by_role("heading", name=heading)
    found.scroll_into_view_if_needed()
    box = found.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)  # over the page's scrolling body, not the sidebar
    page.mouse.wheel(0, box["y"] - 80)
    page.wait_for_timeout(300)


def team_outcomes(page, url: str) -> None:
    """Team, scrolled to the outcomes per CSM (below the books and the scatter)."""
    open_page(page, url, "Team")
    _scroll_to(page, "Outcomes by CSM")
    _shoot(page, "team_outcomes")


def score_check_what_if(page, url: str) -> None:
    """The score check's what-if with more weight on usage and none on support, beside the current."""
    open_page(page, url, "Score check")
    page.get_by_test_id("stButtonGroup").get_by_text("What-if weights", exact=True).click()
    after_action(page)
    weights = page.get_by_role("spinbutton")  # by weight: usage & adoption first, support load fourth
    weights.nth(0).fill("50")
    weights.nth(3).fill("0")
    page.get_by_role("button", name="Recompute").click()
    after_action(page)
    box = page.get_by_role("button", name="Recompute").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)  # over the page's scrolling body, not the sidebar
    page.mouse.wheel(0, 250)
    _shoot(page, "score_check_what_if")
    page.get_by_test_id("stButtonGroup").get_by_text("Score check", exact=True).first.click()  # back to its first view
    after_action(page)


def churn_reasons(page, url: str) -> None:
    """Retention's churn by reason (ARR, in dollars), then back to the page's first view."""
    open_page(page, url, "Retention")
    page.get_by_test_id("stButtonGroup").get_by_text("Churn reasons", exact=True).first.click()
    after_action(page)
    _scroll_to(page, "By quarter, segment and reason")
    page.mouse.wheel(0, -420)  # the chart above the table
    page.wait_for_timeout(300)
    _shoot(page, "retention_reasons")
    page.get_by_test_id("stButtonGroup").get_by_text("ARR bridge", exact=True).first.click()
    after_action(page)


def renewal_forecast(page, url: str) -> None:
    """Renewals: the CSM forecast rolled up by segment beside the CRM's, and its accuracy; the page
    is left on its first view."""
    open_page(page, url, "Renewals")
    for view, name in (("CSM forecast", "renewals_forecast"), ("Forecast accuracy", "renewals_accuracy")):
        page.get_by_test_id("stButtonGroup").get_by_text(view, exact=True).first.click()
        after_action(page)
        if view == "CSM forecast":
            page.get_by_test_id("stButtonGroup").get_by_text("Segment", exact=True).first.click()
            after_action(page)
        _shoot(page, name)
    page.get_by_test_id("stButtonGroup").get_by_text("Upcoming renewals", exact=True).first.click()
    after_action(page)


def main() -> int:
    if reason := chromium_missing():
        print(reason, file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        server = AppServer({URL_ENV: "", DEMO_PATH_ENV: str(Path(home) / "demo.duckdb"), APP_SCHEMA_ENV: "cockpit"},
                           Path(home) / "streamlit.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.goto(server.url, timeout=180_000)
                wait_for_app(page, timeout=180_000)
                for p in registry.PAGES:  # as leadership sees them, each on its first view
                    if p.title not in AS_A_CSM:
                        open_page(page, server.url, p.title)
                        _shoot(page, p.name)
                team_outcomes(page, server.url)
                score_check_what_if(page, server.url)
                churn_reasons(page, server.url)
                renewal_forecast(page, server.url)
                # a CSM's morning: their book, then the riskiest account
                page.get_by_label("View as", exact=True).first.click()
                page.get_by_role("option").filter(has_text=re.compile(r" · CSM · ")).nth(2).click()
                after_action(page)
                open_page(page, server.url, "My accounts")
                _shoot(page, "my_accounts")
                _scroll_to(page, "Accounts, riskiest first")
                _shoot(page, "my_accounts_book")
                open_first_row(page, table(page, "my_accounts_book"))
                _shoot(page, "account")
                section(page, "Risk flags & churn tags")
                page.get_by_label("Reason", exact=True).fill("Champion moves to a new role in January")
                page.get_by_role("button", name="Raise flag").click()
                after_action(page)
                page.get_by_test_id("stExpander").filter(has_text=re.compile(r"Act on flag \d+")).first.click()
                page.wait_for_timeout(300)
                _shoot(page, "account_flags")
                open_page(page, server.url, "Follow-ups")
                _shoot(page, "followups")
                # a laptop, every page: the tiles wrap instead of being cut
                page.set_viewport_size({"width": 1024, "height": 768})
                for p in registry.PAGES:
                    if not p.needs_account:
                        open_page(page, server.url, p.title)
                        _shoot(page, f"{p.name}_1024")
                open_page(page, server.url, "My accounts")
                _scroll_to(page, "Accounts, riskiest first")
                _shoot(page, "my_accounts_book_1024")  # the account, its health and band whole; the rest scrolls
                open_first_row(page, table(page, "my_accounts_book"))  # the riskiest account
                _shoot(page, "account_1024")
                browser.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
