"""Milestones as they stood on the as-of day, of the relationship's onboarding term, on both
engines: the account page, the Onboarding page and the overdue-milestone signal read the
onboarding_milestones_as_of mart, where a completion dated after the as-of day is not done yet.

Account 1 started its relationship 40 days ago and was upsold 20 days ago (its current term is
the upsell's, which has no milestones); its first training, due 26 days ago, was completed 2 days
after the as-of day (the daily tables run ahead of the newest snapshot). Account 2 churned and
was won back 30 days ago; the win-back term was loaded first, so its contract id is the lower
one: the account page must still show the win-back's milestones, not the old relationship's.

Account 3 signed in August 2025, churned, and was won back in September: two onboardings in one
quarter, of which only the win-back has a go-live milestone. Account 4 signed in August 2025. The
Onboarding page's cohorts count such an account once and each onboarding's milestones apart."""
import datetime as dt

import pytest
import sqlalchemy as sa

from queries import account, onboarding, signals
from queries.scope import Filters
from tests.builders import Book, days

AS_OF = dt.date(2026, 11, 23)


def milestone(b: Book, term: dict, name: str, offset: int, completed: dt.date | None):
    start = term["start_date"]
    b.add("onboarding_milestones", account_id=term["account_id"], contract_id=term["contract_id"], milestone=name,
          day_offset=offset, due_date=start + days(offset), completed_date=completed)


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    for account_id in (1, 2):
        b.account(account_id)
        b.health(account_id, AS_OF, 60.0)
    start = AS_OF - days(40)
    first = b.term(1, start, start + days(364), 10_000)
    b.term(1, AS_OF - days(20), start + days(364), 15_000, term_type="renewal")  # the upsell
    milestone(b, first, "kickoff", 7, start + days(5))                 # on time
    milestone(b, first, "first_training", 14, AS_OF + days(2))         # done after the as-of day
    milestone(b, first, "go_live", 30, AS_OF - days(8))                # 2 days late, known
    milestone(b, first, "second_training", 60, None)                    # not due
    back = b.term(2, AS_OF - days(30), AS_OF + days(334), 8_000, term_type="winback")
    old = b.term(2, AS_OF - days(700), AS_OF - days(336), 8_000, status="churned")
    b.renewal(old, "churned", 0, AS_OF - days(340), forecast="at_risk", stage="closed")
    milestone(b, back, "kickoff", 7, None)                              # overdue
    milestone(b, old, "kickoff", 7, old["start_date"] + days(3))
    milestone(b, old, "go_live", 30, old["start_date"] + days(25))
    for account_id in (3, 4):
        b.account(account_id)
        b.health(account_id, AS_OF, 70.0)
    gone = b.term(3, dt.date(2025, 8, 4), dt.date(2025, 9, 1), 5_000, status="churned")
    b.renewal(gone, "churned", 0, dt.date(2025, 9, 1), forecast="at_risk", stage="closed")
    milestone(b, gone, "kickoff", 7, gone["start_date"] + days(5))
    again = b.term(3, dt.date(2025, 9, 22), dt.date(2027, 9, 21), 5_000, term_type="winback")
    milestone(b, again, "kickoff", 7, again["start_date"] + days(3))
    milestone(b, again, "go_live", 30, again["start_date"] + days(35))  # late
    fourth = b.term(4, dt.date(2025, 8, 11), dt.date(2027, 8, 10), 7_000)
    milestone(b, fourth, "kickoff", 7, fourth["start_date"] + days(9))    # late
    milestone(b, fourth, "go_live", 30, fourth["start_date"] + days(20))
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def test_a_completion_after_the_as_of_day_is_not_done_yet(book):
    with book.engine.connect() as conn:
        done = conn.execute(sa.text("select completed_date from onboarding_milestones_as_of "
                                    "where account_id = 1 and milestone = 'first_training'")).scalar_one()
    assert done is None
    states = dict(account.milestones(book, 1).select("milestone", "state").iter_rows())
    assert states == {"kickoff": "on_time", "first_training": "overdue", "go_live": "late",
                      "second_training": "not_due"}


def test_the_account_page_shows_the_relationships_onboarding(book):
    """Account 1: its onboarding term's milestones though an upsell followed; account 2: the
    win-back's, though the old relationship's term has the higher contract id."""
    assert account.milestones(book, 1)["milestone"].to_list() == ["kickoff", "first_training", "go_live",
                                                                  "second_training"]
    two = account.milestones(book, 2)
    assert two.select("milestone", "state").rows() == [("kickoff", "overdue")]


def test_the_signal_and_the_onboarding_page_agree(book):
    fired = signals.firing(book, Filters())
    overdue = fired.filter(fired["rule"] == "milestone_overdue")
    assert sorted(overdue["account_id"].to_list()) == [1, 2]
    one = overdue.filter(overdue["account_id"] == 1).row(0, named=True)
    assert one["since"] == AS_OF - days(40) + days(15) and one["value"] == 26
    now = {r["account_id"]: r for r in onboarding.in_onboarding(book, Filters()).iter_rows(named=True)}
    assert now[1]["next_milestone"] == "first_training" and now[1]["milestones_done"] == 2
    assert now[1]["milestones_overdue"] == 1 and now[1]["days_late"] == 26


def _cohort(day: dt.date, grain: str) -> dt.date:
    return dt.date(day.year, day.month if grain == "month" else 3 * ((day.month - 1) // 3) + 1, 1)


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_a_cohort_counts_an_account_once_and_each_onboarding(book, grain):
    """Against the milestones as built: per cohort (terms started since the first of 2025) and
    milestone, the distinct accounts, and one state per onboarding's milestone."""
    built = build_book().rows
    started = {c["contract_id"]: c["start_date"] for c in built["contracts"]}
    since = dt.date(2025, 1, 1)
    accounts, onboardings = {}, {}
    for m in built["onboarding_milestones"]:
        start = started[m["contract_id"]]
        if start >= since:
            key = (_cohort(start, grain), m["milestone"])
            accounts.setdefault(key, set()).add(m["account_id"])
            onboardings[key] = onboardings.get(key, 0) + 1
    matrix = onboarding.milestone_matrix(book, Filters(), since, grain)
    got = {(r["cohort"], r["milestone"]): r for r in matrix.iter_rows(named=True)}
    assert set(got) == set(accounts)
    for key, row in got.items():
        assert row["accounts"] == len(accounts[key]), key
        assert row["on_time"] + row["late"] + row["overdue"] + row["not_due"] == onboardings[key], key
    q3 = _cohort(dt.date(2025, 8, 4), grain)
    if grain == "quarter":  # account 3 twice (two kickoffs), with account 4: two accounts, three kickoffs
        assert (got[(q3, "kickoff")]["accounts"], got[(q3, "kickoff")]["on_time"]) == (2, 2)
        assert got[(q3, "go_live")]["accounts"] == 2  # only the win-back's go-live is account 3's
