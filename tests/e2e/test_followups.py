"""The follow-up loop in Chromium, as a lead and a CSM work it: a reassigned flag reaches its new
owner, a double click writes once, an overdue flag sorts first, and a logged call moves last touch
and clears the no-touch signal. On the demo data, DuckDB and PostgreSQL."""
from __future__ import annotations

import csv
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from queries.definitions import SIGNAL_RULES
from tests.e2e.browser import after_action, choose, metric_value, open_first_row, open_page, pick, section, table


def view_as(page, pattern: str) -> str:
    """Pick the first person of the demo's "View as" list whose label matches; return the label."""
    box = page.get_by_label("View as", exact=True).first
    box.click()
    label = page.get_by_role("option").filter(has_text=re.compile(pattern)).first.inner_text()
    pick(page, box, label, re.compile(rf"^{re.escape(label)}$"))
    expect(box).to_have_value(label)
    return label


def firing_signals(page) -> set[str]:
    """The signals the account's Signals section lists, read from its CSV export (the grid is a canvas)."""
    section(page, "Signals")
    if page.get_by_text("No signal rule fires", exact=False).count():
        return set()
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").first.click()
    return {row["Signal"] for row in csv.DictReader(open(download.value.path(), encoding="utf-8"))}


def test_a_flag_a_lead_reassigns_reaches_its_new_owner(page):
    lead = view_as(page, r" · Team lead · ")
    open_page(page, "", "My accounts")
    csm_name = page.get_by_role("combobox", name="Book of").input_value()
    open_first_row(page, table(page, "my_accounts_book"))  # an account of the CSM's book
    section(page, "Risk flags & churn tags")
    page.get_by_label("Reason", exact=True).fill("Budget owner changes in January")
    page.get_by_role("button", name="Raise flag").click()
    after_action(page)
    expect(page.get_by_text("Risk flag raised", exact=False)).to_be_visible()
    # the new flag's box (the highest flag id: earlier tests may have left flags on this account,
    # and the boxes are ordered by urgency), with its reason, owner and due date at the top
    boxes = page.get_by_test_id("stExpander").filter(has_text=re.compile(r"Act on flag \d+"))
    expect(boxes.first).to_be_visible()
    newest = max(int(re.search(r"Act on flag (\d+)", text).group(1)) for text in boxes.all_inner_texts())
    box = boxes.filter(has_text=re.compile(rf"Act on flag {newest}\b")).first
    box.click()
    expect(box.get_by_text("Budget owner changes in January", exact=False)).to_be_visible()
    expect(box.get_by_text(f"owner {lead.split(' · ')[0]}", exact=False)).to_be_visible()
    box.get_by_role("tab", name="Reassign").click()
    owner = box.get_by_label("New owner", exact=True)
    expect(owner).to_have_value(re.compile(re.escape(lead.split(" · ")[0])))  # defaults to the current owner
    pick(page, owner, csm_name, re.compile(rf"^{re.escape(csm_name)} · CSM"))
    expect(owner).to_have_value(re.compile(rf"^{re.escape(csm_name)} · CSM"))
    box.get_by_role("button", name="Reassign").click()
    after_action(page)
    expect(page.get_by_text(f"reassigned to {csm_name}", exact=False)).to_be_visible()

    view_as(page, rf"^{re.escape(csm_name)} · CSM")
    open_page(page, "", "Follow-ups")
    assert int(metric_value(page, "Open follow-ups")) >= 1
    open_page(page, "", "My accounts")
    assert int(metric_value(page, "Flags I own")) >= 1


def test_a_double_click_on_raise_flag_leaves_one_flag(page):
    view_as(page, r" · CSM · ")
    open_page(page, "", "My accounts")
    open_first_row(page, table(page, "my_accounts_book"))
    before = int(metric_value(page, "Open risk flags"))
    section(page, "Risk flags & churn tags")
    page.get_by_label("Reason", exact=True).fill("Double-clicked on purpose")
    page.get_by_role("button", name="Raise flag").dblclick()
    after_action(page)
    page.wait_for_timeout(1500)  # let a second write, if any, land
    after_action(page)
    assert int(metric_value(page, "Open risk flags")) == before + 1
    expect(page.get_by_label("Reason", exact=True)).to_have_value("")  # the form cleared after the write


def test_a_logged_call_moves_last_touch_and_clears_the_no_touch_signal(page):
    view_as(page, r" · Head of CS")
    open_page(page, "", "CS activity")
    neglected = page.get_by_test_id("stDataFrame").last  # the last table: accounts left too long
    open_first_row(page, neglected)
    no_touch = SIGNAL_RULES["no_recent_touch"].label
    assert no_touch in firing_signals(page)
    section(page, "Timeline & people")
    page.get_by_label("What happened", exact=True).fill("Call with the COO: renewal on track")
    choose(page, "What", "Call")
    page.get_by_role("button", name="Log touch").click()
    after_action(page)
    expect(page.get_by_text("Call logged", exact=False)).to_be_visible()
    assert no_touch not in firing_signals(page)


def test_an_overdue_flag_sorts_first_on_follow_ups(page, backend, app, demo_warehouses, tmp_path):
    if backend != "postgres":
        pytest.skip("time passing is simulated by writing to the app's tables, which the DuckDB server holds")
    view_as(page, r" · Head of CS")
    open_page(page, "", "Renewals")  # any account table, to reach an account page
    open_first_row(page, page.get_by_test_id("stDataFrame").first)
    section(page, "Risk flags & churn tags")
    page.get_by_label("Reason", exact=True).fill("Forgotten follow-up")
    page.get_by_role("button", name="Raise flag").click()
    after_action(page)
    schema = app.env["CS_COCKPIT_APP_SCHEMA"]
    with sa.create_engine(demo_warehouses("postgres").url).begin() as conn:  # two weeks go by
        conn.exec_driver_sql(f"""insert into {schema}.risk_flag_events (flag_id, event, due_date, by_user, event_at)
            select max(flag_id), 'due_moved', current_date - 3, 'test@example.com', current_timestamp
            from {schema}.risk_flags where reason = 'Forgotten follow-up'""")
    open_page(page, "", "Follow-ups")
    page.get_by_test_id("stButtonGroup").get_by_text("All open flags", exact=True).click()
    after_action(page)
    assert int(metric_value(page, "Overdue")) >= 1
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert rows[0]["Reason"] == "Forgotten follow-up" and rows[0]["Overdue"] == "true"  # the screen's headers
