"""CSM workload and the rebalancing locks on a hand-built book, on both backends."""
import datetime as dt

import pytest

from queries import team
from queries.definitions import ARR_COVERAGE_TARGET, BOOK_TARGETS
from queries.scope import Filters
from tests.builders import Book, days

AS_OF = dt.date(2026, 6, 30)
# account: (csm, segment, arr, health, days since start, days to term end, open renewal, open flag)
ACCOUNTS = {
    1: (1, "smb", 10_000, 30.0, 300, 60, True, False),     # red, renewal window
    2: (1, "smb", 20_000, 85.0, 200, 150, True, False),    # renewal already in progress
    3: (1, "smb", 5_000, 80.0, 20, 340, False, False),     # onboarding
    4: (1, "smb", 15_000, 75.0, 100, 300, False, True),    # movable, open risk flag
    5: (2, "smb", 40_000, 60.0, 160, 200, False, False),   # movable
    6: (2, "smb", 8_000, 55.0, 340, 20, True, False),      # renewal due in 20 days
    7: (3, "mid_market", 30_000, 70.0, 120, 240, False, False),
    8: (3, "high_touch", 100_000, 90.0, 150, 210, False, False),
}
LOCKS = {1: "in its renewal window", 2: "renewal in progress", 3: "in onboarding", 4: None, 5: None,
         6: "in its renewal window", 7: None, 8: "high-touch: moved by hand only"}


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(10, team="A", segment=None, role="lead")
    b.csm(1, team="A", manager_id=10)
    b.csm(2, team="A", manager_id=10)
    b.csm(3, team="B", segment="mid_market")
    for account_id, (csm, segment, arr, health, since, to_end, renewal, _flag) in ACCOUNTS.items():
        b.account(account_id, segment=segment, csm_id=csm)
        term = b.term(account_id, AS_OF - days(since), AS_OF + days(to_end), arr)
        if renewal:
            b.renewal(term, None, stage="outreach")
        b.health(account_id, AS_OF, health)
    lost = b.term(9, AS_OF - days(400), AS_OF - days(35), 50_000, status="churned")  # not in any book
    b.account(9, csm_id=1)
    b.renewal(lost, "churned", 0, AS_OF - days(40), stage="closed")
    return b


@pytest.fixture
def book(backend, hand_built):
    wh = hand_built(backend, build_book)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(f"insert into {wh.app_schema}.risk_flags (flag_id, account_id, severity, reason, "
                             f"raised_by, raised_at) values (1, 4, 2, 'usage drop', 'csm1@example.com', current_timestamp)")
    return wh


def expected(csm_id):
    rows = [(a, *v) for a, v in ACCOUNTS.items() if v[0] == csm_id]
    return {
        "accounts": len(rows), "arr": sum(r[3] for r in rows),
        "renewable_arr_90d": sum(r[3] for r in rows if r[6] <= 90),
        "renewable_arr_180d": sum(r[3] for r in rows if r[6] <= 180),
        "at_risk_arr": sum(r[3] for r in rows if r[4] < 40 or r[8]),
        "onboarding_accounts": sum(r[5] < 90 for r in rows),
        "open_flags": sum(r[8] for r in rows),
        "renewals_due_30d": sum(r[7] and r[6] <= 30 for r in rows),
        "avg_health": sum(r[4] for r in rows) / len(rows),
    }


def test_workload_matches_an_independent_computation(book):
    got = {r["csm_id"]: r for r in team.workload(book, Filters()).iter_rows(named=True)}
    assert set(got) == {1, 2, 3}  # CSMs only, not the lead
    for csm_id in (1, 2, 3):
        for measure, value in expected(csm_id).items():
            assert got[csm_id][measure] == pytest.approx(value), (csm_id, measure)
    assert got[1]["book_load"] == pytest.approx(4 / BOOK_TARGETS["smb"])
    assert got[3]["book_target"] == BOOK_TARGETS["mid_market"]
    assert got[2]["arr_load"] == pytest.approx(48_000 / ARR_COVERAGE_TARGET)
    assert got[1]["lead_name"] == "CSM 10" and got[3]["lead_name"] is None


def test_workload_follows_the_team_filter(book):
    assert set(team.workload(book, Filters(teams=("B",)))["csm_id"].to_list()) == {3}


def test_locked_accounts_say_why(book):
    got = {r["account_id"]: r["locked_because"] for r in team.movable_accounts(book, Filters()).iter_rows(named=True)}
    assert got == LOCKS  # the churned account 9 is in nobody's book
    smb_free = team.movable_accounts(book, Filters(), "smb", movable_only=True)["account_id"].to_list()
    assert smb_free == [a for a, lock in LOCKS.items() if lock is None and ACCOUNTS[a][1] == "smb"]


def test_load_status_against_targets(book):
    """smb target 150 accounts / $2M: tiny books are under; the mid-market CSM too."""
    got = {r["csm_id"]: r["load"] for r in team.workload(book, Filters()).iter_rows(named=True)}
    assert got == {1: "under", 2: "under", 3: "under"}


def test_the_team_table_and_the_rebalancer_share_one_load_rule(empty_warehouse):
    """The SQL that words the Team table and the Python that words the rebalancer's books agree,
    on both sides of each threshold (and on both engines)."""
    import sqlalchemy as sa

    from planning.rebalance import CsmBook
    from queries.definitions import OVERLOADED_FROM, UNDERLOADED_BELOW, load_of, load_status
    edges = [0.5, UNDERLOADED_BELOW - 0.01, UNDERLOADED_BELOW, 1.0, OVERLOADED_FROM - 0.01, OVERLOADED_FROM, 1.5]
    cases = [(b, a) for b in [None, *edges] for a in edges]
    with empty_warehouse.engine.connect() as conn:
        for book_load, arr_load in cases:
            expression = load_status("cast(:b as double precision)", "cast(:a as double precision)")
            sql = conn.execute(sa.text(f"select {expression}"), {"b": book_load, "a": arr_load}).scalar_one()
            assert sql == load_of(book_load, arr_load), (book_load, arr_load)
    assert {load_of(b, a) for b, a in cases} == {"over", "under", "on target", "pooled"}
    book = CsmBook(1, "A", "smb", accounts=105, arr=2_100_000, book_target=100, arr_target=2_000_000)
    assert book.load == "on target" and book.over  # within 10%: on target, though it may still give an account
