"""The account page shows one section at a time and reads only that section's data; the section
lives in the URL. Through AppTest, on both backends."""
import pytest

from components.registry import ACCOUNT_SECTIONS
from components.safe_text import md
from queries import account, flags, people
from queries import writeback as wb
from tests.apptest import keep_apptest_on_navigation
from tests.test_app import largest_account, open_app, warnings

# What each section reads, besides the header above it (written out here, not taken from the page).
READS = {
    "health": {"account.health_breakdown", "account.health_contributions"},
    "signals": {"account.signals"},
    "story": {"account.timeline", "account.contacts"},
    "flags": {"flags.of_account", "flags.events", "writeback.tag_history", "writeback.reasons"},
    "usage": {"account.usage_weekly"},
    "onboarding": {"account.milestones"},
    "voice": {"account.nps_responses", "account.tickets"},
}
HEADER = {"account.header"}


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)


@pytest.fixture
def reads(monkeypatch) -> set[str]:
    """The queries of the account, flag and write-back modules (every read there is a cached
    function) that the runs since the last clear() asked for, from the cache or the database."""
    called: set[str] = set()
    for module in (account, flags, wb):
        short = module.__name__.rsplit(".", 1)[1]
        for name, fn in list(vars(module).items()):
            if not (callable(fn) and hasattr(fn, "clear")):
                continue

            def spy(*args, _fn=fn, _name=f"{short}.{name}", **kwargs):
                called.add(_name)
                return _fn(*args, **kwargs)
            monkeypatch.setattr(module, name, spy)
    return called


def open_account(monkeypatch, wh, **params):
    at = open_app(monkeypatch, wh.url, wh.app_schema)
    at.switch_page("pages/account.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.error and not warnings(at)
    return at


def test_each_section_reads_only_its_own_data(backend, writable_demo, monkeypatch, reads):
    account_id = largest_account(writable_demo)
    staff = people.staff(writable_demo)
    leader = staff.filter(staff["role"] == "leader").row(0, named=True)
    writer = wb.Writer(leader["email"], "leader", leader["team"], leader["csm_id"])
    wb.raise_flag(writable_demo, writer, account_id, 2, "Sponsor on leave", None, None)  # so its history shows
    reads.clear()
    at = open_account(monkeypatch, writable_demo, account=str(account_id))
    assert reads == HEADER | READS["health"]
    assert at.button_group(key="account_section").value == "health"
    for section in ["signals", "story", "flags", "usage", "onboarding", "voice", "health"]:
        reads.clear()
        at.button_group(key="account_section").set_value(section).run()
        assert not at.exception and not at.error
        assert reads == HEADER | READS[section], section
        assert at.query_params["section"] == section and at.query_params["account"] == str(account_id)


@pytest.mark.parametrize("link, shown", [("flags", "flags"), ("voice", "voice"), ("bogus", "health"), ("", "health")])
def test_a_link_opens_its_section_and_a_bad_one_the_first(backend, demo_warehouse, monkeypatch, reads, link, shown):
    account_id = largest_account(demo_warehouse)
    reads.clear()
    at = open_account(monkeypatch, demo_warehouse, account=str(account_id), section=link)
    assert at.button_group(key="account_section").value == shown
    assert HEADER < reads <= HEADER | READS[shown]  # (a flag's history is read only when it has flags)
    assert at.query_params.get("section") == (link if link in ACCOUNT_SECTIONS else None)  # a bad value leaves
    at.run()  # and stays put on the next run
    assert at.button_group(key="account_section").value == shown


def test_each_write_confirms_on_the_section_it_came_from(backend, writable_demo, monkeypatch):
    from tests.apptest import form_key, submit_key
    from tests.test_app import account_page_as
    at, csm, account_id = account_page_as(monkeypatch, writable_demo, "csm", 2, section="story")
    touch = f"touch_{account_id}"
    at.text_area(key=form_key(at, touch, "note")).input("Call with the COO: renewal on track")
    at.button(key=submit_key(at, touch, "Log touch")).click().run()
    assert not at.exception and not at.error
    assert any("logged for" in s.value for s in at.success)
    assert at.button_group(key="account_section").value == "story" and at.query_params["section"] == "story"
    story = next(d.value for d in at.dataframe if "by_whom" in d.value.columns)
    assert "Call with the COO: renewal on track" in list(story["detail"])
    assert at.text_area(key=form_key(at, touch, "note")).value == ""  # a new, empty form (new nonce)

    at.button_group(key="account_section").set_value("flags").run()
    at.text_input(key=form_key(at, "flag_raise", "reason")).input("Budget owner changes in January")
    at.button(key=submit_key(at, "flag_raise", "Raise flag")).click().run()
    assert any("Risk flag raised" in s.value for s in at.success)
    assert at.button_group(key="account_section").value == "flags"
    at.selectbox(key=form_key(at, "account_tag", "primary")).set_value("competitor")
    at.button(key=submit_key(at, "account_tag", "Save tag")).click().run()
    assert not at.exception and not at.error
    assert any(md("saved on 1 account(s)") in s.value for s in at.success)
    assert at.button_group(key="account_section").value == "flags"
    assert wb.tag_history(writable_demo, account_id).row(0, named=True)["tagged_by"] == csm["email"]
