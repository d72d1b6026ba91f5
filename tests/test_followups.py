"""Follow-ups: due dates, the inbox views, writing once, and touches that move last touch.
On a hand-built book (tests/test_writeback.build_book), on DuckDB and PostgreSQL."""
import datetime as dt
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries import flags, roles, signals
from queries import writeback as wb
from queries.db import fetch
from queries.definitions import FLAG_DUE_DAYS, TOUCH_LIMIT_DAYS
from queries.scope import Filters, scoped
from tests.builders import count, days, stamp
from tests.test_writeback import CSM1, CSM2, CSM3, LEAD_A, LEADER, OPS, build_book

TODAY = dt.date.today()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def key() -> str:
    return uuid.uuid4().hex


def _make_overdue(wh, flag_id: int, by_days: int) -> None:
    """Time passes: the flag's due date is now `by_days` behind today (no form can set a past date)."""
    with wh.engine.begin() as conn:
        conn.execute(sa.text(f"insert into {wh.app_schema}.risk_flag_events (flag_id, event, due_date, by_user, "
                             f"event_at) values (:f, 'due_moved', :d, 'csm10@example.com', :at)"),
                     {"f": flag_id, "d": TODAY - days(by_days), "at": stamp(TODAY)})


@pytest.mark.parametrize("severity", sorted(FLAG_DUE_DAYS))
def test_a_flag_is_due_by_its_severitys_default_unless_a_date_is_named(book, severity):
    flag = wb.raise_flag(book, CSM1, 1, severity, "Budget review", None, None)
    named = wb.raise_flag(book, CSM1, 1, severity, "Budget review", None, None, TODAY + days(30))
    due = dict(flags.of_account(book, 1, TODAY).select("flag_id", "due_date").iter_rows())
    assert due == {flag: TODAY + days(FLAG_DUE_DAYS[severity]), named: TODAY + days(30)}


def test_a_form_submitted_twice_writes_once(book):
    once = key()
    flag = wb.raise_flag(book, CSM1, 1, 2, "Sponsor leaving", None, None, submission=once)
    with pytest.raises(wb.AlreadySaved):
        wb.raise_flag(book, CSM1, 1, 2, "Sponsor leaving", None, None, submission=once)
    assert flags.of_account(book, 1, TODAY)["flag_id"].to_list() == [flag]
    tag = key()
    wb.tag_churn(book, CSM1, 4, "budget_cut", [], None, submission=tag)
    with pytest.raises(wb.AlreadySaved):
        wb.tag_churn(book, CSM1, 4, "budget_cut", [], None, submission=tag)
    with pytest.raises(wb.AlreadySaved):  # a key is spent whatever the form
        wb.note_flag(book, CSM1, flag, "another form, same key", submission=tag)
    assert count(book, f"select count(*) from {book.app_schema}.churn_tags") == 1
    for bad in ("short", "x" * 65, "not-alnum-but-long-enough", 12345678901234567):
        with pytest.raises(wb.Rejected, match="submission key"):
            wb.raise_flag(book, CSM1, 1, 2, "Sponsor leaving", None, None, submission=bad)


def test_the_same_submission_from_two_processes_at_once_writes_once(backend, book):
    if backend != "postgres":
        pytest.skip("the embedded DuckDB file has one writer process by design")
    once = key()
    script = ("import sys; from queries import writeback as wb; from queries.db import Warehouse; "
              "wh = Warehouse(sys.argv[1], sys.argv[2]); w = wb.Writer('csm1@example.com', 'csm', 'A', 1)\n"
              "try:\n    print(wb.raise_flag(wh, w, 1, 2, 'Twice', None, None, submission=sys.argv[3]))\n"
              "except wb.AlreadySaved:\n    print('repeat')")
    runs = [subprocess.Popen([sys.executable, "-c", script, book.url, book.app_schema, once], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = sorted(r.communicate(timeout=60)[0].strip() for r in runs)
    assert outputs[1] == "repeat" and outputs[0].isdigit(), outputs
    assert count(book, f"select count(*) from {book.app_schema}.risk_flags") == 1


def test_a_reassigned_flag_reaches_its_new_owner_wherever_the_account_sits(book):
    flag = wb.raise_flag(book, CSM1, 1, 3, "Champion leaving", None, None)  # team A's account
    wb.reassign_flag(book, LEADER, flag, CSM3.email, note="CSM 3 knows the new sponsor")  # CSM 3 is team B
    mine = flags.inbox(book, "mine", CSM3.email, CSM3.team, TODAY)
    assert mine["flag_id"].to_list() == [flag] and mine["owner_name"].to_list() == ["CSM 3"]
    assert flags.counts_for(book, CSM3.email, CSM3.csm_id, TODAY) == {
        "owned": 1, "owned_overdue": 0, "on_book": 0, "on_book_overdue": 0}
    assert flags.counts_for(book, CSM1.email, CSM1.csm_id, TODAY)["on_book"] == 1
    assert flags.inbox(book, "raised", CSM1.email, CSM1.team, TODAY)["flag_id"].to_list() == [flag]
    assert flags.inbox(book, "mine", CSM1.email, CSM1.team, TODAY).is_empty()
    # the flag stays due when it was: reassigning without a date keeps the due date
    assert mine["due_date"].to_list() == [TODAY + days(FLAG_DUE_DAYS[3])]


def test_the_inbox_puts_overdue_first_then_severity_then_arr(book):
    low_big = wb.raise_flag(book, LEAD_A, 2, 1, "Quiet", None, None)      # account 2: $20k
    high_small = wb.raise_flag(book, LEAD_A, 1, 3, "Urgent", None, None)  # account 1: $10k
    high_big = wb.raise_flag(book, LEAD_A, 2, 3, "Urgent too", None, None)
    late_low = wb.raise_flag(book, LEAD_A, 1, 1, "Forgotten", None, None)
    _make_overdue(book, late_low, 2)
    order = flags.inbox(book, "team", LEAD_A.email, LEAD_A.team, TODAY)
    assert order["flag_id"].to_list() == [late_low, high_big, high_small, low_big]
    assert order["overdue"].to_list() == [True, False, False, False]
    assert order["days_to_due"][0] == -2
    assert flags.counts_for(book, CSM1.email, CSM1.csm_id, TODAY)["on_book_overdue"] == 1


def test_inbox_views_follow_the_roles():
    assert roles.inbox_views(CSM1) == ["mine", "raised"]
    assert roles.inbox_views(LEAD_A) == ["mine", "raised", "team"]
    assert roles.inbox_views(LEADER) == roles.inbox_views(OPS) == ["mine", "raised", "all"]


def test_the_owner_or_a_lead_moves_the_due_date_and_history_keeps_both(book):
    flag = wb.raise_flag(book, CSM1, 1, 2, "Renewal call", None, None)
    with pytest.raises(wb.Rejected, match="owner or a team lead"):
        wb.move_due_date(book, CSM2, flag, TODAY + days(20))
    with pytest.raises(wb.Rejected, match="past"):
        wb.move_due_date(book, CSM1, flag, TODAY - days(2))
    wb.move_due_date(book, CSM1, flag, TODAY + days(20), "customer on holiday")
    wb.move_due_date(book, LEAD_A, flag, TODAY + days(10))
    assert flags.of_account(book, 1, TODAY)["due_date"].to_list() == [TODAY + days(10)]
    moved = flags.events(book, 1).filter(flags.events(book, 1)["event"] == "due_moved")
    assert moved["due_date"].to_list() == [TODAY + days(10), TODAY + days(20)]
    assert moved["by_name"].to_list() == ["CSM 10", "CSM 1"]


def days_since_touch(wh, account_id: int) -> int:
    statement, params = scoped(wh, Filters(stages=()), "select days_since_touch from in_scope where account_id = :a")
    return fetch(wh, statement, {**params, "a": account_id})["days_since_touch"][0]


def test_a_logged_call_moves_last_touch_and_clears_the_no_touch_signal(book):
    # account 3 (smb, CSM 3) has no conversation on record since its term began 100 days before AS_OF
    assert days_since_touch(book, 3) > TOUCH_LIMIT_DAYS["smb"]
    firing = signals.firing(book, Filters())
    assert 3 in firing.filter(firing["rule"] == "no_recent_touch")["account_id"].to_list()
    wb.log_touch(book, CSM3, 3, "note", TODAY, "internal note: not a conversation")
    assert days_since_touch(book, 3) > TOUCH_LIMIT_DAYS["smb"]
    wb.log_touch(book, CSM3, 3, "call", TODAY - days(1), "Spoke with the COO about usage")
    assert days_since_touch(book, 3) == 0
    firing = signals.firing(book, Filters())
    assert 3 not in firing.filter(firing["rule"] == "no_recent_touch")["account_id"].to_list()


@pytest.mark.parametrize("writer, kind, day, note, message", [
    (CSM1, "call", TODAY, "on someone else's account", "only on your own"),
    (CSM3, "fax", TODAY, "x", "kind of touch"),
    (CSM3, "call", TODAY + days(1), "x", "future"),
    (CSM3, "call", TODAY - days(wb.TOUCH_BACKDATE_DAYS + 1), "x", "CRM"),
    (CSM3, "call", dt.datetime.combine(TODAY, dt.time()), "x", "not a date"),
    (CSM3, "call", TODAY, "   ", "required"),
])
def test_a_bad_touch_is_refused_and_nothing_is_written(book, writer, kind, day, note, message):
    with pytest.raises(wb.Rejected, match=message):
        wb.log_touch(book, writer, 3, kind, day, note)
    assert count(book, f"select count(*) from {book.app_schema}.touches") == 0


def test_the_timeline_tells_the_story(book):
    from queries import account
    flag = wb.raise_flag(book, CSM1, 1, 3, "Champion leaving", None, None)
    wb.reassign_flag(book, LEAD_A, flag, CSM2.email)
    wb.resolve_flag(book, CSM2, flag, "New champion signed the renewal")
    wb.log_touch(book, CSM1, 1, "meeting", TODAY, "QBR prep with the COO")
    story = {(r["what"], r["detail"], r["by_whom"]) for r in account.timeline(book, 1).iter_rows(named=True)}
    assert ("risk flag raised", f"Champion leaving · owner CSM 1 · due {TODAY + days(FLAG_DUE_DAYS[3])}",
            "CSM 1") in story
    assert ("risk flag reassigned", "Champion leaving · owner CSM 2", "CSM 10") in story
    assert ("risk flag resolved", "Champion leaving · outcome: New champion signed the renewal", "CSM 2") in story
    assert ("meeting (logged)", "QBR prep with the COO", "CSM 1") in story
