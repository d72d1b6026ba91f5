"""The renewal forecast in Chromium: a CSM records one on an account of theirs and the Renewals
page's roll-up moves that renewal's ARR to the new category. On the demo data, DuckDB and PostgreSQL."""
from __future__ import annotations

import csv

from playwright.sync_api import expect

from tests.e2e.browser import after_action, choose, open_first_row, open_page, section, table
from tests.e2e.test_followups import view_as

RENEWALS_VIEW = "stButtonGroup"


def download(page, key: str) -> list[dict]:
    """The rows of the CSV export of the table shown under `key`, under the screen's headers."""
    with page.expect_download() as done:
        page.locator(f".st-key-{key}_csv").get_by_role("button", name="Download CSV").click()
    return list(csv.DictReader(open(done.value.path(), encoding="utf-8")))


def renewals_view(page, view: str) -> None:
    page.get_by_test_id(RENEWALS_VIEW).get_by_text(view, exact=True).first.click()
    after_action(page)


def rollup(page) -> dict[str, tuple[int, float]]:
    """CSM forecast category -> (renewals, ARR up), from the roll-up's CSV."""
    renewals_view(page, "CSM forecast")
    return {row["CSM forecast"]: (int(row["Renewals"]), float(row["ARR up"])) for row in download(page, "renewals_forecast_table")}


def test_a_forecast_a_csm_records_shows_in_the_rollup(page):
    csm = view_as(page, r" · CSM · ").split(" · ")[0]
    open_page(page, "", "Renewals")
    choose(page, "CSM", csm)  # the sidebar filter: this CSM's renewals only
    before = rollup(page)
    renewals_view(page, "Upcoming renewals")
    first = download(page, "renewals_accounts")[0]  # the soonest open renewal of the CSM's book, as the table lists it
    was, arr_up = first["CSM forecast"], float(first["ARR up"])
    open_first_row(page, table(page, "renewals_accounts"))
    section(page, "Renewal forecast")
    category = page.get_by_label("Forecast category", exact=True)
    category.click()
    page.get_by_role("option", name="Will churn", exact=True).click()
    expect(category).to_have_value("Will churn")  # inside a form: no rerun until it is submitted
    expected = page.get_by_label("Expected ARR ($)", exact=True)
    expected.fill("0")
    page.get_by_label("Note (optional)", exact=True).fill("Budget gone after the merger, confirmed by the CFO")
    page.get_by_role("button", name="Save forecast").click()
    after_action(page)
    expect(page.get_by_text("Forecast saved: Will churn", exact=False)).to_be_visible()
    expect(page.get_by_text("CSM forecast: Will churn, expecting $0", exact=False)).to_be_visible()

    open_page(page, "", "Renewals")
    after = rollup(page)
    moved = 0 if was == "Will churn" else 1
    assert after["Will churn"][0] == before.get("Will churn", (0, 0.0))[0] + moved
    assert after["Will churn"][1] == before.get("Will churn", (0, 0.0))[1] + moved * arr_up
    assert after.get(was, (0, 0.0))[0] == before[was][0] - moved
    assert sum(n for n, _ in after.values()) == sum(n for n, _ in before.values())  # each renewal counted once
