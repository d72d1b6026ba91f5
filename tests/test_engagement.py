"""Last touch, cadence, the champion-left signal and the account timeline, against hand-built
books whose answers are worked out here, on both backends."""
import datetime as dt

import pytest
import sqlalchemy as sa

from queries import account, engagement, signals, writeback as wb
from queries import definitions as d
from queries.scope import Filters
from tests.builders import Book, days, stamp

AS_OF = dt.date(2026, 11, 23)  # quarter started 1 Oct: 54 of 92 days gone
QUARTER_SHARE = 54 / 92


# account: (segment, days since the start, conversation kinds and ages in days, expected days since touch)
TOUCHES = {
    1: ("high_touch", 300, [("call", 21)], 21),                   # at the limit: silent
    2: ("high_touch", 300, [("call", 22), ("call", 40)], 22),     # one day over: fires
    3: ("high_touch", 300, [("email", 1), ("meeting", 30)], 30),  # emails do not count
    4: ("smb", 100, [], 100),                                     # never: counted from the start
    5: ("tech_touch", 300, [], 300),                              # no limit for tech-touch
    6: ("mid_market", 300, [("business_review", 10), ("business_review", 60), ("onsite_visit", 5)], 5),
}
FIRES = {2, 3, 4}


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="A", segment="high_touch")
    b.csm(2, team="A", segment="mid_market")
    for account_id, (segment, age, touches, _days) in TOUCHES.items():
        csm = 2 if segment == "mid_market" else 1
        b.account(account_id, segment=segment, csm_id=csm)
        b.term(account_id, AS_OF - days(age), AS_OF - days(age) + days(364), 10_000 * account_id)
        for kind, ago in touches:
            b.activity(account_id, kind, AS_OF - days(ago), csm_id=csm)
    b.activity(6, "meeting", AS_OF - days(400), csm_id=2)  # outside the 12 weeks and the quarter
    # champions: left 89 days ago (fires), 90 days ago (silent: outside), tier S 10 days ago (fires),
    # a tier-B non-champion yesterday (silent), a champion leaving next week (silent)
    for account_id, tier, champion, left in ((10, "A", True, 89), (11, "A", True, 90), (12, "S", False, 10),
                                             (13, "B", False, 1), (14, "A", True, -7)):
        b.account(account_id, segment="smb")
        b.term(account_id, AS_OF - days(200), AS_OF + days(164), 5_000)
        b.activity(account_id, "call", AS_OF - days(3))
        b.contact(account_id, tier, champion, AS_OF - days(left), name=f"Person {account_id}")
        b.contact(account_id, "B", False, None)
    b.health(1, AS_OF, 70.0)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def fired(wh, rule: str) -> dict[int, dict]:
    frame = signals.firing(wh, Filters())
    return {r["account_id"]: r for r in frame.filter(frame["rule"] == rule).iter_rows(named=True)}


def test_the_portfolio_counts_champions_and_silences(book):
    got = {r["rule"]: (r["accounts"], r["arr"]) for r in signals.counts(book, Filters()).iter_rows(named=True)}
    # champions: 10 and 12 (5,000 each); too long without a touch: 2, 3 and 4 (ARR 10,000 x id)
    assert got == {"champion_left": (2, 10_000), "no_recent_touch": (3, 90_000)}


def test_days_since_the_last_conversation(book):
    from queries.db import fetch
    from queries.scope import scoped
    statement, params = scoped(book, Filters(), "select account_id, days_since_touch from in_scope where account_id < 10")
    got = dict(fetch(book, statement, params).iter_rows())
    assert got == {a: expected for a, (*_x, expected) in TOUCHES.items()}


def test_too_long_without_a_touch_is_a_signal_per_segment(book):
    hits = fired(book, "no_recent_touch")
    assert set(hits) == FIRES
    assert hits[2]["value"] == 22 and hits[2]["threshold"] == d.TOUCH_LIMIT_DAYS["high_touch"]
    assert hits[2]["since"] == AS_OF  # 22 days of silence crossed the 21-day limit today
    assert hits[4]["since"] == AS_OF - days(100) + days(d.TOUCH_LIMIT_DAYS["smb"] + 1)
    assert "no conversation on record" in hits[4]["evidence"]
    assert set(engagement.neglected(book, Filters())["account_id"]) == FIRES


def test_champion_or_decision_maker_left_within_90_days(book):
    hits = fired(book, "champion_left")
    assert set(hits) == {10, 12}
    assert hits[10]["value"] == 89 and hits[10]["since"] == AS_OF - days(89)
    assert "Person 10" in hits[10]["evidence"] and str(AS_OF - days(89)) in hits[10]["evidence"]
    assert hits[12]["evidence"].startswith("decision maker Person 12")


def test_cadence_this_quarter_against_an_independent_count(book):
    rows = {r["csm_id"]: r for r in engagement.cadence(book, Filters()).iter_rows(named=True)}
    high, mid = rows[1], rows[2]
    # CSM 1: high-touch accounts 1-3 (1 review and 1 visit due a quarter each), no reviews or visits
    assert (high["accounts"], high["reviews_done"], high["visits_done"]) == (3 + 1 + 1 + 5, 0, 0)
    assert high["reviews_due"] == pytest.approx(3 * QUARTER_SHARE)
    assert high["visits_due"] == pytest.approx(3 * QUARTER_SHARE)
    # CSM 2: one mid-market account, a review and a visit this quarter (the one 60 days ago is last quarter's)
    assert (mid["accounts"], mid["reviews_done"], mid["visits_done"]) == (1, 1, 1)
    assert mid["reviews_due"] == pytest.approx(QUARTER_SHARE)
    assert mid["visits_due"] == pytest.approx(0.25 * QUARTER_SHARE)
    assert high["neglected"] == 3 and mid["neglected"] == 0  # accounts 2, 3, 4


def test_activities_per_week_and_per_csm(book):
    weekly = engagement.weekly_by_kind(book, Filters())
    assert weekly["activities"].sum() == 13  # every activity of the last 84 days, not the one 400 days ago
    per = {r["csm_id"]: r for r in engagement.per_csm(book, Filters()).iter_rows(named=True)}
    assert per[2]["business_review_per_week"] == pytest.approx(2 / engagement.WEEKS)
    assert per[1]["per_week"] == pytest.approx(10 / engagement.WEEKS)


@pytest.mark.parametrize("scope", [Filters(), Filters(stages=()), Filters(segments=("high_touch",)),
                                   Filters(teams=("A",)), Filters(csm_ids=(2,))],
                         ids=["live", "every stage", "one segment", "one team", "one CSM's book"])
def test_the_activity_rollup_counts_what_each_account_adds_up_to(book, scope, monkeypatch):
    """cs_activity_daily (with the touches logged in the app) gives exactly what joining every
    activity to its account gives, filter by filter."""
    writer = wb.Writer("csm2@example.com", "csm", "A", 2)
    wb.log_touch(book, writer, 6, "meeting", AS_OF - days(2), "Planning the review")
    wb.log_touch(book, writer, 6, "note", AS_OF - days(2), "internal: not a conversation")
    fast = engagement.weekly_by_kind(book, scope), engagement.per_csm(book, scope)
    monkeypatch.setattr(engagement, "_from_rollup", lambda _f: False)
    engagement.weekly_by_kind.clear()
    engagement.per_csm.clear()
    slow = engagement.weekly_by_kind(book, scope), engagement.per_csm(book, scope)
    assert fast[0].to_dicts() == slow[0].to_dicts()
    assert fast[1].columns == slow[1].columns
    for column in fast[1].columns:
        if fast[1][column].dtype.is_float():
            assert fast[1][column].to_list() == pytest.approx(slow[1][column].to_list())
        else:
            assert fast[1][column].to_list() == slow[1][column].to_list()
    if scope == Filters():  # the 13 activities of the last 84 days and the meeting logged in the app
        assert fast[0]["activities"].sum() == 14


def test_the_timeline_interleaves_everything_newest_first(empty_warehouse):
    wh = build_book().write(empty_warehouse)  # its own: it adds to the contract's tables
    wb.raise_flag(wh, wb.Writer("csm1@example.com", "csm", "A", 1), 2, 2, "Quiet account", "call them", None)
    with wh.engine.begin() as conn:
        conn.execute(sa.text("insert into support_tickets (ticket_id, account_id, opened_at, closed_at, priority) "
                             "values (1, 2, :t, null, 'high')"), {"t": stamp(AS_OF - days(30), 9)})
        conn.execute(sa.text("insert into nps_responses (survey_id, account_id, contact_email, sent_at, responded_at, "
                             "score, comment) values (1, 2, 'x@c.example', :s, :r, 4, 'Too slow')"),
                     {"s": stamp(AS_OF - days(26)), "r": stamp(AS_OF - days(25))})
        conn.execute(sa.text("insert into onboarding_surveys (survey_id, account_id, contact_email, answered_on, "
                             "score, comment) values (1, 2, 'x@c.example', :d, 5, 'Smooth')"), {"d": AS_OF - days(27)})
        conn.execute(sa.text("insert into business_events (event_id, account_id, kind, occurred_on, note) "
                             "values (1, 2, 'layoffs', :d, 'Cut 15%')"), {"d": AS_OF - days(28)})
    story = account.timeline(wh, 2)
    assert story["what"].to_list() == ["risk flag raised", "call", "NPS answer", "onboarding survey",
                                       "business change", "support ticket", "call"]
    assert story["detail"][3] == "score 5 of 5: Smooth"
    assert story["detail"][4] == f"{d.BUSINESS_EVENT_LABELS['layoffs']}: Cut 15%"
    assert story["occurred_at"].to_list() == sorted(story["occurred_at"].to_list(), reverse=True)
    assert "call them" in story["detail"][0] and "Too slow" in story["detail"][2]


def test_an_answer_is_shown_under_the_contacts_name(empty_warehouse):
    """The account's NPS answers and its timeline name the person who answered, as the detractor
    signal's evidence does (from contacts, by address); an address no contact holds is shown as is."""
    wh = build_book().write(empty_warehouse)  # its own: it adds to the contract's tables
    with wh.engine.begin() as conn:
        conn.execute(sa.text("insert into contacts (contact_id, account_id, name, email, title, tier, is_champion, "
                             "left_at) values (900, 2, 'Ola Berg', 'ola@c.example', 'COO', 'S', false, null)"))
        for survey_id, email, day in ((1, "ola@c.example", 25), (2, "stranger@c.example", 20)):
            conn.execute(sa.text("insert into nps_responses (survey_id, account_id, contact_email, sent_at, "
                                 "responded_at, score, comment) values (:i, 2, :e, :s, :r, 4, null)"),
                         {"i": survey_id, "e": email, "s": stamp(AS_OF - days(day + 1)), "r": stamp(AS_OF - days(day))})
        conn.execute(sa.text("insert into onboarding_surveys (survey_id, account_id, contact_email, answered_on, "
                             "score, comment) values (1, 2, 'ola@c.example', :d, 5, null)"), {"d": AS_OF - days(27)})
    assert account.nps_responses(wh, 2)["contact"].to_list() == ["stranger@c.example", "Ola Berg"]
    story = account.timeline(wh, 2)
    said = {(r["what"], r["by_whom"]) for r in story.iter_rows(named=True)
            if r["what"] in ("NPS answer", "onboarding survey")}
    assert said == {("NPS answer", "stranger@c.example"), ("NPS answer", "Ola Berg"), ("onboarding survey", "Ola Berg")}
