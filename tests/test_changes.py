"""What changed in a book since a day (My accounts): each kind of change on both sides of its edge,
against a computation over the hand-built rows themselves. Both backends."""
import datetime as dt

import pytest

from queries import changes
from queries import writeback as wb
from queries.definitions import (BUSINESS_CHANGE_WITHIN_DAYS, DETRACTOR_UP_TO, DETRACTOR_WITHIN_DAYS, RED_BELOW,
                                 RENEWAL_WINDOW_DAYS)
from queries.scope import Filters
from tests.builders import Book, days, stamp
from tests.test_writeback import CSM1, LEAD_A

AS_OF = dt.date(2026, 11, 23)
SINCE = AS_OF - days(changes.DEFAULT_DAYS_BACK)
FAR = AS_OF + days(300)  # a renewal due this late is nowhere near its window

# account -> its health snapshots (day, score); every account is red now unless said otherwise
HEALTH = {
    1: [(SINCE, RED_BELOW), (AS_OF - days(3), RED_BELOW - 1), (AS_OF, RED_BELOW - 1)],  # yellow at the edge, then red
    2: [(SINCE, RED_BELOW - 0.5), (AS_OF, 20)],                         # red then, red now
    3: [(SINCE + days(1), 30), (AS_OF, 30)],                             # first scored after the day, red
    4: [(SINCE - days(7), 60), (SINCE, 35), (AS_OF, 35)],                # turned red on the day itself
    5: [(SINCE, 80), (AS_OF, 75)],                                       # green, stays green
    15: [(SINCE - days(changes.SCORE_THEN_WITHIN_DAYS), 30), (AS_OF, 30)],  # red then, but too long ago to count
    16: [(SINCE - days(changes.SCORE_THEN_WITHIN_DAYS - 1), 30), (AS_OF, 30)],  # red then, a day inside the bound
}
# account -> renewal due date
DUE = {6: SINCE + days(RENEWAL_WINDOW_DAYS), 7: SINCE + days(RENEWAL_WINDOW_DAYS + 1),
       8: AS_OF + days(RENEWAL_WINDOW_DAYS), 9: AS_OF + days(RENEWAL_WINDOW_DAYS + 1)}
# account -> NPS answers (day, score, comment)
NPS = {10: [(SINCE, 9, None), (SINCE + days(1), 4, "Too slow"), (AS_OF + days(1), 10, None)]}
# account -> business events (a risk signal from the day it happened)
EVENTS = {11: SINCE, 12: SINCE + days(1), 13: AS_OF - days(BUSINESS_CHANGE_WITHIN_DAYS) + days(1)}
ACCOUNTS = range(1, 17)  # 14: the flags' account, nothing else happens to it


def build_book() -> Book:
    b = Book(AS_OF)
    for csm_id, team, role in ((1, "A", "csm"), (2, "A", "csm"), (10, "A", "lead")):
        b.csm(csm_id, team=team, role=role)
    b.add("health_components", component="usage_score", label="Usage", weight=1.0, description="usage")
    for account_id in ACCOUNTS:
        b.account(account_id)
        b.activity(account_id, "call", AS_OF - days(1))  # touched yesterday: no touch signal
        due = DUE.get(account_id, FAR)
        b.renewal(b.term(account_id, due - days(365), due, 1000 * account_id), outcome=None)
        for day, score in HEALTH.get(account_id, [(SINCE, 80), (AS_OF, 80)]):
            b.health(account_id, day, score, usage_score=score)
        for n, (day, score, comment) in enumerate(NPS.get(account_id, [])):
            b.add("nps_responses", survey_id=100 * account_id + n, account_id=account_id,
                  contact_email=f"c{account_id}@example.com", sent_at=stamp(day - days(2)), responded_at=stamp(day),
                  score=score, comment=comment)
        if account_id in EVENTS:
            b.business_event(account_id, "layoffs", EVENTS[account_id], note="Layoffs")
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def expected_warehouse_changes(since: dt.date) -> set[tuple[int, str, dt.date]]:
    """The rules of queries/changes.py, read off the rows above."""
    def score_on(account_id, day):
        known = [score for d, score in HEALTH.get(account_id, [(SINCE, 80), (AS_OF, 80)])
                 if day - days(changes.SCORE_THEN_WITHIN_DAYS) < d <= day]
        return known[-1] if known else None

    found = set()
    for a in ACCOUNTS:
        then, now = score_on(a, since), score_on(a, AS_OF)
        if now < RED_BELOW and (then is None or then >= RED_BELOW):
            first_red = min(d for d, s in HEALTH[a] if d > since and s < RED_BELOW)
            found.add((a, "turned_red", first_red))
        entered = DUE.get(a, FAR) - days(RENEWAL_WINDOW_DAYS)
        if since < entered <= AS_OF:
            found.add((a, "renewal_window", entered))
        answered = [(day, score) for day, score, _ in NPS.get(a, []) if since < day <= AS_OF]
        found |= {(a, "nps_answer", day) for day, _ in answered}
        found |= {(a, "signal_started", day) for day, score in answered  # a detractor is a signal of its own
                  if score <= DETRACTOR_UP_TO and day > AS_OF - days(DETRACTOR_WITHIN_DAYS)}
        if a in EVENTS and since < EVENTS[a] <= AS_OF and EVENTS[a] > AS_OF - days(BUSINESS_CHANGE_WITHIN_DAYS):
            found.add((a, "signal_started", EVENTS[a]))
    return found


def found(frame, kinds=("turned_red", "renewal_window", "nps_answer", "signal_started")):
    return {(a, c, d) for a, c, d in frame.select("account_id", "change", "changed_on").iter_rows() if c in kinds}


@pytest.mark.parametrize("since", [SINCE, SINCE - days(7), AS_OF - days(1)])
def test_warehouse_changes_follow_their_rules_on_both_sides_of_each_edge(book, since):
    rows = changes.since(book, Filters(csm_ids=(1,)), since, CSM1.email)
    assert found(rows) == expected_warehouse_changes(since)


def test_the_edges_land_where_the_rules_say(book):
    rows = found(changes.since(book, Filters(csm_ids=(1,)), SINCE, CSM1.email))
    turned_red = {a for a, c, _ in rows if c == "turned_red"}
    assert turned_red == {1, 3, 15}  # not 2 (red then), 4 (red on the day itself), 5 (green), 16 (red then)
    assert (1, "turned_red", AS_OF - days(3)) in rows  # dated by its first red snapshot
    assert {a for a, c, _ in rows if c == "renewal_window"} == {7, 8}  # 6 entered on the day, 9 tomorrow
    assert {(a, d) for a, c, d in rows if c == "nps_answer"} == {(10, SINCE + days(1))}
    assert {a for a, c, _ in rows if c == "signal_started"} == {10, 12}  # 10: the detractor; not 11 (on the day)


def test_the_detail_says_what_happened(book):
    rows = changes.since(book, Filters(csm_ids=(1,)), SINCE, CSM1.email)
    detail = {(a, c): d for a, c, d in rows.select("account_id", "change", "detail").iter_rows()}
    assert detail[(3, "turned_red")] == detail[(15, "turned_red")] == "Health not scored then, 30 now"
    assert detail[(1, "turned_red")] == f"Health {RED_BELOW} then, {RED_BELOW - 1} now"
    assert detail[(10, "nps_answer")] == "Score 4: Too slow"
    assert detail[(7, "renewal_window")] == f"Renewal due {DUE[7]:%Y-%m-%d}"


def test_flags_newly_assigned_follow_their_owner(book):
    mine = wb.raise_flag(book, CSM1, 14, 2, "Budget review", None, None)
    passed_on = wb.raise_flag(book, CSM1, 14, 2, "Sponsor leaving", None, None)
    wb.reassign_flag(book, LEAD_A, passed_on, "csm2@example.com")
    done = wb.raise_flag(book, CSM1, 14, 1, "Training gap", None, None)
    wb.resolve_flag(book, CSM1, done, "Trained the team")

    def flags(owner: str, csm_id: int, since: dt.date = SINCE):
        rows = changes.since(book, Filters(csm_ids=(csm_id,)), since, owner)
        return rows.filter(change="flag_assigned")["detail"].to_list()

    assert flags(CSM1.email, 1) == ["Budget review"]      # not the one passed on, nor the resolved one
    assert flags("CSM2@example.com", 2) == ["Sponsor leaving"]  # wherever the account sits; emails any case
    assert flags(CSM1.email, 1, since=dt.date.today()) == []  # raised today: not after today
    assert mine != passed_on


def test_counts_name_every_kind(book):
    rows = changes.since(book, Filters(csm_ids=(1,)), SINCE, CSM1.email)
    n = changes.counts(rows)
    assert list(n) == list(changes.ORDER)
    assert n["turned_red"] == 3 and n["renewal_window"] == 2 and n["flag_assigned"] == 0
    assert changes.counts(rows.clear()) == dict.fromkeys(changes.ORDER, 0)
