"""The ARR bridge and the CSM outcomes read ARR from the arr_changes_daily mart: on a hand-built
book whose changes sit on the edges of a quarter, both agree, for every period between those edges,
with a plain-Python computation that walks every day over the book's own rows (no notion of "a day
ARR changes").

Edges: a term starting on the quarter's first day and one on its last; an upsell on the quarter's
last day; an upsell on the day another term churns (churned and back, never an expansion); a churn
and a win-back at the same ARR on the same day (no net change, still a churn plus a new); a churn
on the quarter's first day and one on the day before it; a renewal at a higher ARR the day after
the quarter; an open renewal carried in grace through the as-of day; a term that lapses on the
quarter's first day with no renewal on record."""
import datetime as dt
import itertools

import pytest

from queries import csm_outcomes, retention
from queries.definitions import EXPANSION_CREDIT_AFTER_MONTHS
from queries.scope import Filters
from tests.builders import Book, arr_at_close, days
from tests.test_csm_outcomes import shift_months

D = dt.date
AS_OF = D(2026, 5, 15)
Q_START, Q_END = D(2026, 1, 1), D(2026, 3, 31)


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="North")
    b.csm(2, team="North")

    # 1 (CSM 1): new on the quarter's first day
    b.account(1, csm_id=1)
    b.term(1, Q_START, D(2026, 12, 31), 100)
    # 2 (CSM 1): new on the quarter's last day
    b.account(2, csm_id=1)
    b.term(2, Q_END, D(2027, 3, 30), 40)
    # 3 (CSM 1): upsold on the quarter's last day (a second term beside the first), both renewed the
    # day after the quarter at a higher ARR
    b.account(3, segment="mid_market", csm_id=1)
    t = b.term(3, D(2025, 4, 1), Q_END, 200, status="renewed")
    b.renewal(t, "renewed", 230, D(2026, 3, 20), stage="closed")
    t = b.term(3, Q_END, Q_END, 50, term_type="renewal", status="renewed")
    b.renewal(t, "renewed", 50, D(2026, 3, 20), stage="closed")
    b.term(3, Q_END + days(1), D(2027, 3, 31), 280, term_type="renewal")
    # 4 (CSM 2): a term churns on the day an upsell starts: churned and back, not +50
    b.account(4, csm_id=2)
    t = b.term(4, D(2025, 2, 16), D(2026, 2, 15), 100, status="churned")
    b.renewal(t, "churned", 0, D(2026, 2, 1), stage="closed")
    b.term(4, D(2026, 2, 15), D(2027, 2, 14), 150, term_type="renewal")
    # 5 (CSM 2): churned and won back on the same day at the same ARR: no change in ARR, still a churn
    b.account(5, csm_id=2)
    t = b.term(5, D(2025, 3, 11), D(2026, 3, 10), 80, status="churned")
    b.renewal(t, "churned", 0, D(2026, 3, 1), stage="closed")
    b.term(5, D(2026, 3, 10), D(2027, 3, 9), 80, term_type="winback")
    # 6, 7 (CSM 2): a churn on the quarter's first day, one on the day before it
    b.account(6, csm_id=2)
    t = b.term(6, D(2025, 1, 2), Q_START, 60, status="churned")
    b.renewal(t, "churned", 0, D(2025, 12, 1), stage="closed")
    b.account(7, csm_id=2)
    t = b.term(7, D(2025, 1, 1), Q_START - days(1), 70, status="churned")
    b.renewal(t, "churned", 0, D(2025, 12, 1), stage="closed")
    # 8 (CSM 1): renewal due in the quarter still open on the as-of day: ARR carried in grace
    b.account(8, segment="mid_market", csm_id=1)
    t = b.term(8, D(2025, 2, 1), D(2026, 1, 31), 300)
    b.renewal(t, None, stage="negotiation")
    # 9 (CSM 1): a term that ends on the quarter's first day with no renewal on record (not a churn):
    # its ARR is gone from the close of the day after
    b.account(9, csm_id=1)
    b.term(9, D(2025, 1, 2), Q_START, 20)

    for account_id in range(1, 10):
        b.health(account_id, AS_OF, 60.0)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


# --- the independent computation: every day, from the book's rows ------------------------------

def churned_on(rows, account_id: int, day: dt.date) -> bool:
    churned = {r["contract_id"] for r in rows["renewals"] if r["outcome"] == "churned"}
    return any(t["account_id"] == account_id and t["contract_id"] in churned and t["end_date"] == day
               for t in rows["contracts"])


def bridge(rows, start: dt.date, end: dt.date) -> dict:
    """The ARR bridge over [start, end] as definitions.DEFINITIONS["arr_bridge"] words it."""
    out = dict.fromkeys(("start_arr", "new_arr", "expansion", "contraction", "churn", "end_arr",
                         "accounts_start", "accounts_new", "accounts_churned", "accounts_end"), 0)
    for a in {r["account_id"] for r in rows["accounts"]}:
        s, e = arr_at_close(rows, a, start - days(1), AS_OF), arr_at_close(rows, a, end, AS_OF)
        back = s > 0 and e > 0 and any(churned_on(rows, a, start + days(n)) for n in range((end - start).days + 1))
        new, lost = (s == 0 and e > 0) or back, (s > 0 and e == 0) or back
        out["start_arr"] += s
        out["end_arr"] += e
        out["new_arr"] += e if new else 0
        out["churn"] += s if lost else 0
        out["expansion"] += e - s if s > 0 and e > s and not back else 0
        out["contraction"] += s - e if s > 0 and 0 < e < s and not back else 0
        out["accounts_start"] += s > 0
        out["accounts_new"] += new
        out["accounts_churned"] += lost
        out["accounts_end"] += e > 0
    return out


def expansions(rows, start: dt.date, end: dt.date) -> dict:
    """{(account, day): (amount, to_csm)}: every day in [start, end] an account's ARR rose over the
    close of the day before, without a churn that day."""
    out = {}
    for a, n in itertools.product({r["account_id"] for r in rows["accounts"]}, range((end - start).days + 1)):
        day = start + days(n)
        before, after = arr_at_close(rows, a, day - days(1), AS_OF), arr_at_close(rows, a, day, AS_OF)
        if before > 0 and after > before and not churned_on(rows, a, day):
            signings = [t["start_date"] for t in rows["contracts"] if t["account_id"] == a
                        and t["term_type"] in ("new", "winback") and t["start_date"] <= day]
            to_csm = not signings or day >= shift_months(max(signings), EXPANSION_CREDIT_AFTER_MONTHS)
            out[a, day] = (after - before, to_csm)
    return out


# Every period whose first and last days are among the edges (and their neighbours)
EDGES = sorted({d + days(k) for d in (Q_START, D(2026, 2, 15), D(2026, 3, 10), Q_END) for k in (-1, 0, 1)})
PERIODS = [(s, e) for s, e in itertools.product(EDGES, EDGES) if s <= e]


def test_the_quarter_lands_each_edge_where_the_rule_says(book):
    rows = build_book().rows
    got = retention.arr_bridge(book, Filters(), Q_START, Q_END).row(0, named=True)
    # start: 3 (200), 4 (100), 5 (80), 6 (60, churning on the first day), 8 (300), 9 (20); 7 gone the
    # day before
    assert got["start_arr"] == 200 + 100 + 80 + 60 + 300 + 20
    assert got["new_arr"] == 100 + 40 + 150 + 80  # 1 and 2; 4 and 5 churned and back
    assert got["churn"] == 100 + 80 + 60 + 20  # 4 and 5 before coming back; 6; 9 at 0 by the end
    assert got["expansion"] == 50 and got["contraction"] == 0  # 3's upsell on the last day
    assert (got["accounts_start"], got["accounts_new"], got["accounts_churned"]) == (6, 4, 4)
    assert got == {**got, **bridge(rows, Q_START, Q_END)}
    assert expansions(rows, Q_START, Q_END) == {(3, Q_END): (50, True)}  # not 4's +50: a churn that day


def test_the_bridge_matches_every_day_walked_for_every_period_between_the_edges(book):
    rows = build_book().rows
    for start, end in PERIODS:
        got = retention.arr_bridge(book, Filters(), start, end).row(0, named=True)
        want = bridge(rows, start, end)
        assert {k: got[k] for k in want} == pytest.approx(want), (start, end)


def test_the_csm_expansions_match_every_day_walked_for_every_period_between_the_edges(book):
    rows = build_book().rows
    csm_of = {a["account_id"]: a["csm_id"] for a in rows["accounts"]}
    for start, end in PERIODS:
        got = {r["csm_id"]: r for r in csm_outcomes.outcomes(book, Filters(), start, end).iter_rows(named=True)
               if not r["team_total"]}
        rises = expansions(rows, start, end)
        for csm in (1, 2):
            mine = [(amount, to_csm) for (a, _day), (amount, to_csm) in rises.items() if csm_of[a] == csm]
            assert (got[csm]["csm_expansion_arr"], got[csm]["csm_expansions"], got[csm]["sales_expansion_arr"]) == (
                sum(x for x, c in mine if c), sum(1 for _x, c in mine if c), sum(x for x, c in mine if not c)
            ), (start, end, csm)
