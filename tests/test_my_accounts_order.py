"""My accounts ranks by ARR at risk, not by renewal date; a 4-week health change reads the same
on every page. A hand-built book on both backends."""
import datetime as dt

import pytest

from queries import account, my_accounts, portfolio
from queries.definitions import RED_BELOW, SIGNAL_RULES
from queries.scope import Filters
from tests.builders import Book, days, stamp

AS_OF = dt.date(2026, 11, 23)
# account id -> (ARR, health now, health 4 weeks ago, days to renewal)
ACCOUNTS = {
    1: (100_000, 95.0, 94.0, 10),     # healthy, renews in 10 days, nothing fires
    2: (20_000, 30.0, 32.0, 200),     # red, renewal far off
    3: (70_000, 35.0, 36.0, 200),     # red, more ARR than 2 (and, at risk, more than 4 renewing soon)
    4: (30_000, 38.0, 39.0, 20),      # red and renewing soon: twice as much at stake
    5: (5_000, 29.5, 100.0, 250),     # red, small, health down 70.5 in four weeks
    6: (500_000, 90.0, 90.0, 300),    # healthy and large, renewal far off
    7: (64_000, 55.0, 71.0, 200),     # yellow, but its champion left and a contact is a detractor
}


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    b.add("health_components", component="usage_score", label="Usage", weight=1.0, description="usage")
    for account_id, (arr, now, before, due_in) in ACCOUNTS.items():
        b.account(account_id)
        b.activity(account_id, "call", AS_OF - days(1))  # touched yesterday: no touch signal
        term = b.term(account_id, AS_OF + days(due_in) - days(365), AS_OF + days(due_in), arr)
        b.renewal(term, outcome=None)
        b.health(account_id, AS_OF, now, usage_score=now)
        b.health(account_id, AS_OF - days(28), before, usage_score=before)
    b.contact(7, "A", champion=True, left=AS_OF - days(10))
    b.add("nps_responses", survey_id=1, account_id=7, contact_email="c7@example.com", sent_at=stamp(AS_OF - days(12)),
          responded_at=stamp(AS_OF - days(10)), score=3, comment=None)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def expected_order() -> list[int]:
    """The stated rule, computed here: risky accounts (red health, or 7's two signals, whose
    severities add up) by ARR x risk, doubled when the renewal is due soon; then the others,
    nearest renewal first."""
    def key(account_id):
        arr, now, _, due_in = ACCOUNTS[account_id]
        risk = (my_accounts.RED_HEALTH_SEVERITY if now < RED_BELOW
                else SIGNAL_RULES["champion_left"].severity + SIGNAL_RULES["nps_detractor"].severity
                if account_id == 7 else 0)
        soon = my_accounts.RENEWAL_SOON_FACTOR if due_in <= my_accounts.RENEWAL_SOON_DAYS else 1
        return (0, -arr * risk * soon) if risk else (1, due_in)
    return sorted(ACCOUNTS, key=key)


def test_the_book_is_in_the_order_of_arr_at_risk(book):
    rows = my_accounts.book(book, Filters(csm_ids=(1,)))
    assert rows["account_id"].to_list() == expected_order() == [7, 3, 4, 2, 5, 1, 6]


def test_a_renewal_never_lifts_a_healthy_account_over_a_risky_one(book):
    order = my_accounts.book(book, Filters(csm_ids=(1,)))["account_id"].to_list()
    assert order.index(1) > order.index(2)  # healthy in 10 days below red in 200 days
    assert order.index(1) > order.index(7)  # and below a champion who left, renewal in 200 days
    assert order.index(3) < order.index(2)  # two red accounts: the larger ARR first
    why = dict(zip(order, my_accounts.book(book, Filters(csm_ids=(1,)))["why"].to_list()))
    assert why[1] == "renews in 10 days" and why[4] == "red health · renews in 20 days"
    assert why[7] == f"{SIGNAL_RULES['champion_left'].short}, {SIGNAL_RULES['nps_detractor'].short}"


def test_a_health_change_is_rounded_the_same_everywhere(book):
    # -70.5 is a whole number of halves: floor(x + 0.5) gives -70 on both engines, in every query
    mine = my_accounts.book(book, Filters(csm_ids=(1,))).filter(account_id=5)["health_change_4w"][0]
    lowest = portfolio.lowest_health(book, Filters(), 10).filter(account_id=5)["health_change_4w"][0]
    head = account.header(book, 5)["health_change_4w"]
    assert mine == lowest == head == -70
    assert f"{head:+.0f}" == "-70"
