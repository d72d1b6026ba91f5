"""Outcomes per CSM (Team page) on a hand-built book whose renewals and expansions are known,
against a plain-Python computation over the book's own rows, on both engines.

Edges: an expansion exactly EXPANSION_CREDIT_AFTER_MONTHS after signing (the CSM's) and one a day
earlier (sales'); an upsell soon after a win-back (sales', though the first signing is years old);
an account whose signing predates the contract history (the CSM's); a renewal due the day before
the window (decided inside it: still out, a renewal belongs to its due date) and one due on its
last day (in); a rise the day after the window (out); a CSM with no decided renewal (no rate, not
0%) and a CSM with no account at all."""
import calendar
import datetime as dt

import pytest

from components.periods import presets
from queries import csm_outcomes, retention
from queries.definitions import EXPANSION_CREDIT_AFTER_MONTHS, OUTCOME_QUARTERS, SMALL_SAMPLE_BELOW
from queries.scope import Filters
from tests.builders import Book, arr_at_close, days

D = dt.date
AS_OF = D(2026, 7, 15)
WINDOW = presets(AS_OF)[f"Last {OUTCOME_QUARTERS} full quarters"]
START, END = WINDOW.start, WINDOW.end  # 1 Jul 2025 - 30 Jun 2026
UPSELL_DAY = D(2025, 9, 10)  # a day of the month every month has, so the boundary never clamps
TEAMS = {1: "North", 2: "North", 3: "South", 4: "South", 5: "South"}


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day when it is shorter (as both engines do)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return D(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(10, team="North", segment=None, role="lead")
    for csm_id, team in TEAMS.items():
        b.csm(csm_id, team=team, manager_id=10 if team == "North" else None)

    # 1 (CSM 1): renewal due the day before the window, decided inside it (out of the rates); its
    # next term starts on the window's first day, 20 up (in the expansions, 12 months after signing);
    # renewed again on the window's last day (in the rates), its next term the day after (out).
    b.account(1, csm_id=1)
    t = b.term(1, D(2024, 7, 1), START - days(1), 100, status="renewed")
    b.renewal(t, "renewed", 120, START + days(2), stage="closed")
    t = b.term(1, START, END, 120, term_type="renewal", status="renewed")
    b.renewal(t, "renewed", 150, END - days(5), stage="closed")
    b.term(1, END + days(1), D(2027, 6, 30), 150, term_type="renewal")

    # 2 (CSM 1): upsold exactly EXPANSION_CREDIT_AFTER_MONTHS after signing (the CSM's), then churned.
    b.account(2, csm_id=1)
    signed = shift_months(UPSELL_DAY, -EXPANSION_CREDIT_AFTER_MONTHS)
    b.term(2, signed, UPSELL_DAY - days(1), 200, status="renewed")
    t = b.term(2, UPSELL_DAY, D(2026, 3, 9), 260, term_type="renewal", status="churned")
    b.renewal(t, "churned", 0, D(2026, 3, 1), stage="closed")

    # 3 (CSM 1): signed a day later, upsold the same day: a day before its boundary (sales'); then
    # renewed lower (a contraction, not an expansion).
    b.account(3, csm_id=1)
    b.term(3, signed + days(1), UPSELL_DAY - days(1), 50, status="renewed")
    t = b.term(3, UPSELL_DAY, D(2026, 3, 10), 80, term_type="renewal", status="renewed")
    b.renewal(t, "renewed", 70, D(2026, 3, 1), stage="closed")
    b.term(3, D(2026, 3, 11), D(2027, 3, 10), 70, term_type="renewal")

    # 4 (CSM 2): no new term on record (signed before the contract history): renewed 30 up, the CSM's.
    b.account(4, segment="mid_market", csm_id=2)
    t = b.term(4, D(2024, 10, 1), D(2025, 9, 30), 300, term_type="renewal", status="renewed")
    b.renewal(t, "renewed", 330, D(2025, 9, 15), stage="closed")
    b.term(4, D(2025, 10, 1), D(2026, 9, 30), 330, term_type="renewal")

    # 5 (CSM 2): churned in 2023, won back in the window and upsold a month later: sales' (the
    # win-back is the signing that counts, not the first deal of 2023).
    b.account(5, csm_id=2)
    t = b.term(5, D(2023, 1, 1), D(2023, 12, 31), 90, status="churned")
    b.renewal(t, "churned", 0, D(2023, 12, 20), stage="closed")
    b.term(5, D(2025, 11, 1), D(2025, 11, 30), 40, term_type="winback", status="renewed")
    b.term(5, D(2025, 12, 1), D(2026, 10, 31), 60, term_type="renewal")

    # 6, 7 (CSM 3): a flat renewal and a churn.
    b.account(6, segment="mid_market", csm_id=3)
    t = b.term(6, D(2025, 1, 1), D(2025, 12, 31), 500, status="renewed")
    b.renewal(t, "renewed", 500, D(2025, 12, 10), stage="closed")
    b.term(6, D(2026, 1, 1), D(2026, 12, 31), 500, term_type="renewal")
    b.account(7, csm_id=3)
    t = b.term(7, D(2025, 5, 1), D(2026, 4, 30), 70, status="churned")
    b.renewal(t, "churned", 0, D(2026, 4, 20), stage="closed")

    # 8, 9 (CSM 4): a churn due before the window, and a renewal due in it still open: nothing decided.
    b.account(8, csm_id=4)
    t = b.term(8, D(2024, 6, 16), D(2025, 6, 15), 30, status="churned")
    b.renewal(t, "churned", 0, D(2025, 6, 1), stage="closed")
    b.account(9, csm_id=4)
    t = b.term(9, D(2025, 6, 21), D(2026, 6, 20), 45)
    b.renewal(t, None, stage="negotiation")
    # CSM 5 has no account at all.

    for account_id in range(1, 10):
        b.health(account_id, AS_OF, 60.0)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


# --- the independent computation, over the book's rows -----------------------------------------

def expansions(rows):
    """[(account, day, amount, to_csm)]: every day in the window an account's ARR rose over the
    day before, without a churn that day, and whom the rise is credited to."""
    out = []
    for a in {t["account_id"] for t in rows["contracts"]}:
        terms = [t for t in rows["contracts"] if t["account_id"] == a]
        for day in sorted({t["start_date"] for t in terms if START <= t["start_date"] <= END}):
            before, after = arr_at_close(rows, a, day - days(1), AS_OF), arr_at_close(rows, a, day, AS_OF)
            if before > 0 and after > before:
                signings = [t["start_date"] for t in terms if t["term_type"] in ("new", "winback")
                            and t["start_date"] <= day]
                to_csm = not signings or day >= shift_months(max(signings), EXPANSION_CREDIT_AFTER_MONTHS)
                out.append((a, day, after - before, to_csm))
    return out


def expected(rows, members):
    """The outcome row of the CSMs `members` (one CSM or a whole team)."""
    csm_of = {a["account_id"]: a["csm_id"] for a in rows["accounts"]}
    due = [r for r in rows["renewals"] if csm_of[r["account_id"]] in members and START <= r["due_date"] <= END]
    decided = [r for r in due if r["outcome"] is not None]
    up = sum(r["arr_up"] for r in decided)
    rises = [e for e in expansions(rows) if csm_of[e[0]] in members]
    return {
        "decided": len(decided), "still_open": len(due) - len(decided),
        "renewed": sum(r["outcome"] == "renewed" for r in decided),
        "churned": sum(r["outcome"] == "churned" for r in decided), "arr_up": up,
        "logo_renewal_rate": sum(r["outcome"] == "renewed" for r in decided) / len(decided) if decided else None,
        "grr": sum(min(r["arr_renewed"], r["arr_up"]) for r in decided) / up if up else None,
        "nrr": sum(r["arr_renewed"] for r in decided) / up if up else None,
        "small_sample": len(decided) < SMALL_SAMPLE_BELOW,
        "csm_expansion_arr": sum(e[2] for e in rises if e[3]),
        "csm_expansions": sum(1 for e in rises if e[3]),
        "sales_expansion_arr": sum(e[2] for e in rises if not e[3]),
    }


def by_row(frame):
    return {(r["team"], "team" if r["team_total"] else r["csm_id"]): r for r in frame.iter_rows(named=True)}


# --- tests ---------------------------------------------------------------------------------------

def test_every_csm_and_team_matches_the_independent_computation(book):
    rows = build_book().rows
    got = by_row(csm_outcomes.outcomes(book, Filters(), START, END))
    want = {(team, csm): expected(rows, {csm}) for csm, team in TEAMS.items()}
    want |= {(team, "team"): expected(rows, {c for c, t in TEAMS.items() if t == team}) for team in set(TEAMS.values())}
    assert set(got) == set(want)  # the lead is not a row
    for key, w in want.items():
        for measure, value in w.items():
            if isinstance(value, float):
                assert got[key][measure] == pytest.approx(value), (key, measure)
            else:
                assert got[key][measure] == value, (key, measure)


def test_the_edges_land_where_the_rule_says(book):
    rises = {(a, day): (amount, to_csm) for a, day, amount, to_csm in expansions(build_book().rows)}
    assert rises == {
        (1, START): (20, True),          # 12 months after signing, on the window's first day
        (2, UPSELL_DAY): (60, True),     # exactly EXPANSION_CREDIT_AFTER_MONTHS after signing: the CSM's
        (3, UPSELL_DAY): (30, False),    # a day before its boundary: sales'
        (4, D(2025, 10, 1)): (30, True),  # signed before the contract history
        (5, D(2025, 12, 1)): (20, False),  # a month after the win-back
    }  # account 1's rise of 1 Jul 2026 is after the window; account 3's renewal lower is no expansion
    got = by_row(csm_outcomes.outcomes(book, Filters(), START, END))
    csm1, csm2 = got["North", 1], got["North", 2]
    assert (csm1["csm_expansion_arr"], csm1["sales_expansion_arr"]) == (20 + 60, 30)
    assert (csm2["csm_expansion_arr"], csm2["sales_expansion_arr"]) == (30, 20)
    # account 1: the renewal due the day before the window is out, the one due on its last day in
    assert (csm1["decided"], csm1["renewed"], csm1["churned"]) == (3, 2, 1)
    assert csm1["nrr"] == pytest.approx((150 + 0 + 70) / (120 + 260 + 80))
    assert csm1["grr"] == pytest.approx((120 + 0 + 70) / (120 + 260 + 80))


def test_a_csm_with_no_decided_renewal_has_no_rate_not_zero(book):
    got = by_row(csm_outcomes.outcomes(book, Filters(), START, END))
    for csm in (4, 5):  # an open renewal and one due before the window; no account at all
        row = got["South", csm]
        assert row["decided"] == 0 and row["small_sample"]
        assert row["logo_renewal_rate"] is None and row["grr"] is None and row["nrr"] is None
    assert got["South", 4]["still_open"] == 1
    assert got["South", "team"]["logo_renewal_rate"] == pytest.approx(1 / 2)  # CSM 3's two, not diluted


def test_the_credited_and_sales_expansion_are_the_arr_bridges(book):
    """For accounts with ARR at the window's start and one rise in it, the bridge over the whole
    window and the rises day by day give the same expansion: one definition, two groupings."""
    ids = (1, 4)
    bridge = retention.arr_bridge(book, Filters(account_ids=ids), START, END).row(0, named=True)
    got = sum(e[2] for e in expansions(build_book().rows) if e[0] in ids)
    assert bridge["expansion"] == pytest.approx(got) == 50


def test_the_who_filters_apply(book):
    south = csm_outcomes.outcomes(book, Filters(teams=("South",)), START, END)
    assert set(south["team"]) == {"South"} and set(south["csm_id"].drop_nulls()) == {3, 4, 5}
    one = by_row(csm_outcomes.outcomes(book, Filters(csm_ids=(2,)), START, END))
    assert set(one) == {("North", 2), ("North", "team")}
    assert one["North", "team"]["csm_expansion_arr"] == one["North", 2]["csm_expansion_arr"] == 30
    mid = by_row(csm_outcomes.outcomes(book, Filters(segments=("mid_market",)), START, END))
    assert set(mid) == {("North", 2), ("North", "team"), ("South", 3), ("South", "team")}  # accounts 4 and 6
    assert mid["North", 2]["sales_expansion_arr"] == 0  # account 5 (SMB) left out


# --- the Team page shows them -------------------------------------------------------------------

def test_the_team_page_shows_outcomes_per_csm(book, monkeypatch):
    from queries.labels import TEAM_TOTAL
    from tests.apptest import app_on

    at = app_on(book, monkeypatch)
    at.run()
    at.switch_page("pages/team.py")
    at.run()
    assert not at.exception and not at.error
    teams = tuple(at.multiselect(key="filter_teams").value)  # the viewer's reach, as the rest of Team
    assert teams == ("North",)  # the demo picker starts on the lead of North, on their own team

    def shown_and_wanted(teams):
        shown = next(d.value for d in at.dataframe if "csm_expansion_arr" in d.value.columns)
        return shown, csm_outcomes.outcomes(book, Filters(teams=teams), START, END)
    shown, want = shown_and_wanted(teams)
    assert list(shown["csm_name"]) == [TEAM_TOTAL, "CSM 1", "CSM 2"]
    assert list(shown["csm_expansion_arr"]) == want["csm_expansion_arr"].to_list() == [110, 80, 30]
    assert any(f"{START:%d %b %Y} to {END:%d %b %Y}" in c.value and "current book" in c.value for c in at.caption)

    at.multiselect(key="filter_teams").set_value([])
    at.run()
    shown, want = shown_and_wanted(())
    assert list(shown["csm_name"]) == [TEAM_TOTAL, "CSM 1", "CSM 2", TEAM_TOTAL, "CSM 3", "CSM 4", "CSM 5"]
    assert list(shown["team"]) == want["team"].to_list()
    assert list(shown["logo_renewal_rate"].isna()) == want["logo_renewal_rate"].is_null().to_list()
    assert shown["logo_renewal_rate"].isna().sum() == 2  # CSMs 4 and 5: no rate, shown as "–"
    # a share reaches the grid rounded to the tenth of a percent it shows (tables._shown)
    assert list(shown["nrr"].dropna()) == pytest.approx([round(v, 3) for v in want["nrr"].drop_nulls().to_list()])


def test_the_credit_boundary_on_both_engines_matches_python_at_month_ends(empty_warehouse):
    """definitions.credited_to_csm in SQL against shift_months here: the boundary day itself is the
    CSM's, the day before sales', also when the boundary month is shorter (31 Aug + 6 months) and
    across a leap day; no signing on record is the CSM's."""
    import sqlalchemy as sa

    from queries.definitions import credited_to_csm
    signings = [D(2025, 3, 10), D(2025, 8, 31), D(2023, 8, 29), D(2023, 12, 31), D(2024, 2, 29)]
    expression = credited_to_csm("cast(:day as date)", "cast(:signed as date)")
    with empty_warehouse.engine.connect() as conn:
        def sql(day, signed):
            return conn.execute(sa.text(f"select {expression}"), {"day": day, "signed": signed}).scalar_one()
        for signed in signings:
            boundary = shift_months(signed, EXPANSION_CREDIT_AFTER_MONTHS)
            assert sql(boundary, signed) is True, signed
            assert sql(boundary - days(1), signed) is False, signed
            assert sql(signed, signed) is False
        assert sql(D(2026, 1, 1), None) is True
