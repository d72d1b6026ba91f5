"""Renewal rates, funnel, ARR bridge, churn reasons and cohorts against a hand-built book with the
edge cases that break naive formulas, checked against computations written out here."""
import datetime as dt

import pytest

from queries import renewals, retention
from queries.definitions import SMALL_SAMPLE_BELOW
from queries.scope import Filters
from tests.builders import Book

D = dt.date
AS_OF = D(2026, 6, 30)
SEGMENTS = {1: "mid_market", 2: "mid_market", 3: "smb", 4: "smb", 5: "smb", 6: "high_touch", 7: "smb",
            8: "tech_touch"}


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    for account_id, segment in SEGMENTS.items():
        b.account(account_id, segment=segment)
        b.health(account_id, AS_OF, 60.0)
    # 1: renewal with expansion (100 -> 120), due Q4 2025
    t = b.term(1, D(2025, 1, 1), D(2025, 12, 31), 100, status="renewed")
    b.renewal(t, "renewed", 120, D(2025, 12, 20), forecast="commit", stage="closed")
    b.term(1, D(2026, 1, 1), D(2026, 12, 31), 120, term_type="renewal")
    # 2: renewal with contraction (200 -> 150), due Q1 2026
    t = b.term(2, D(2025, 2, 1), D(2026, 1, 31), 200, status="renewed")
    b.renewal(t, "renewed", 150, D(2026, 1, 25), forecast="likely", stage="closed")
    b.term(2, D(2026, 2, 1), D(2027, 1, 31), 150, term_type="renewal")
    # 3: churn (50), due Q1 2026
    t = b.term(3, D(2025, 3, 1), D(2026, 2, 28), 50, status="churned")
    b.renewal(t, "churned", 0, D(2026, 2, 20), forecast="at_risk", stage="closed")
    # 4: open renewal due in 14 days; 5: open renewal 11 days past due
    t = b.term(4, D(2025, 7, 15), D(2026, 7, 14), 30)
    b.renewal(t, None, forecast="likely", stage="proposal")
    t = b.term(5, D(2025, 6, 20), D(2026, 6, 19), 40)
    b.renewal(t, None, forecast="at_risk", stage="negotiation")
    # 6: a three-year term, no renewal yet
    b.term(6, D(2024, 4, 1), D(2027, 3, 31), 300)
    # 7: churned at the end of Q3 2025, won back in January at a higher ARR
    t = b.term(7, D(2024, 10, 1), D(2025, 9, 30), 60, status="churned")
    b.renewal(t, "churned", 0, D(2025, 9, 28), forecast="at_risk", stage="closed")
    b.term(7, D(2026, 1, 15), D(2027, 1, 14), 80, term_type="winback")
    # 8: new business in Q2 2026
    b.term(8, D(2026, 4, 1), D(2027, 3, 31), 10)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


# --- independent computations over the book's own rows ---------------------------------------

def expected_rates(rows, start, end, key=lambda r: "all"):
    groups = {}
    for r in rows:
        if start <= r["due_date"] <= end:
            groups.setdefault(key(r), []).append(r)
    out = {}
    for k, rs in groups.items():
        decided = [r for r in rs if r["outcome"]]
        up = sum(r["arr_up"] for r in decided)
        out[k] = {
            "decided": len(decided), "still_open": len(rs) - len(decided),
            "logo": sum(r["outcome"] == "renewed" for r in decided) / len(decided) if decided else None,
            "grr": sum(min(r["arr_renewed"], r["arr_up"]) for r in decided) / up if up else None,
            "nrr": sum(r["arr_renewed"] for r in decided) / up if up else None,
        }
    return out


def arr_on(book: Book, account_id: int, day: dt.date) -> float:
    """ARR on the books at the close of `day`: a churned term is gone at the close of its last day."""
    open_terms = {r["contract_id"] for r in book.rows["renewals"] if r["outcome"] is None}
    return sum(t["arr"] for t in book.rows["contracts"] if t["account_id"] == account_id and t["start_date"] <= day
               and (t["end_date"] >= day or (t["contract_id"] in open_terms and day <= AS_OF))
               and not (t["status"] == "churned" and t["end_date"] == day))


def quarter(day: dt.date) -> dt.date:
    return D(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


# --- renewal rates ---------------------------------------------------------------------------

def test_rates_over_a_year_match_the_definitions(book):
    rows = build_book().rows["renewals"]
    start, end = D(2025, 7, 1), D(2026, 6, 30)
    want = expected_rates(rows, start, end)["all"]
    got = renewals.rates(book, Filters(), start, end).row(0, named=True)
    assert (got["decided"], got["still_open"]) == (want["decided"], want["still_open"]) == (4, 1)
    assert got["logo_renewal_rate"] == pytest.approx(want["logo"]) == pytest.approx(2 / 4)
    assert got["grr"] == pytest.approx(want["grr"]) == pytest.approx((100 + 150) / (100 + 200 + 50 + 60))
    assert got["nrr"] == pytest.approx(want["nrr"]) == pytest.approx((120 + 150) / (100 + 200 + 50 + 60))
    assert got["grr"] < got["nrr"]  # expansion lifts NRR only


def test_rates_by_quarter_and_segment(book):
    rows = build_book().rows["renewals"]
    start, end = D(2025, 7, 1), D(2026, 6, 30)
    want = expected_rates(rows, start, end, key=lambda r: quarter(r["due_date"]))
    got = {r["period"]: r for r in renewals.rates(book, Filters(), start, end, "quarter").iter_rows(named=True)}
    assert set(got) == set(want) == {D(2025, 7, 1), D(2025, 10, 1), D(2026, 1, 1), D(2026, 4, 1)}
    for period, w in want.items():
        assert got[period]["decided"] == w["decided"]
        assert got[period]["small_sample"] == (w["decided"] < SMALL_SAMPLE_BELOW)  # this book: every row
        assert got[period]["logo_renewal_rate"] == pytest.approx(w["logo"])
        assert got[period]["nrr"] == pytest.approx(w["nrr"])
    assert got[D(2026, 4, 1)]["logo_renewal_rate"] is None  # only an open renewal: no rate, not 0%
    assert got[D(2025, 10, 1)]["nrr"] == pytest.approx(1.2)

    seg = SEGMENTS.get
    want = expected_rates(rows, start, end, key=lambda r: seg(r["account_id"]))
    got = {r["segment"]: r for r in renewals.rates(book, Filters(), start, end, by_segment=True).iter_rows(named=True)}
    assert got["smb"]["logo_renewal_rate"] == want["smb"]["logo"] == 0.0  # SMB churn not hidden by big renewals
    assert got["mid_market"]["grr"] == pytest.approx(want["mid_market"]["grr"]) == pytest.approx(250 / 300)


# Whole months come from the renewals_monthly rollup, the days around them from renewals_as_of:
# periods whose edges fall on a due date, a day before or after it, or hold no whole month at all.
RAGGED = [(D(2025, 9, 30), D(2026, 6, 19)),   # 7's churn on the first (raw) day, 5's open renewal on the last
          (D(2025, 10, 1), D(2026, 1, 30)),   # whole Oct-Dec, 2's renewal (31 Jan) a day out
          (D(2026, 1, 31), D(2026, 2, 27)),   # no whole month: 2 in, 3's churn (28 Feb) a day out
          (D(2025, 9, 29), D(2026, 2, 28))]


@pytest.mark.parametrize("start, end", RAGGED)
def test_rates_over_periods_that_cut_months(book, start, end):
    rows = build_book().rows["renewals"]
    whole = expected_rates(rows, start, end)["all"]
    got = renewals.rates(book, Filters(), start, end).row(0, named=True)
    assert (got["decided"], got["still_open"]) == (whole["decided"], whole["still_open"])
    assert (got["logo_renewal_rate"], got["grr"], got["nrr"]) == \
        (pytest.approx(whole["logo"]), pytest.approx(whole["grr"]), pytest.approx(whole["nrr"]))
    by_month = expected_rates(rows, start, end, key=lambda r: r["due_date"].replace(day=1))
    got = {r["period"]: r for r in renewals.rates(book, Filters(), start, end, "month").iter_rows(named=True)}
    assert set(got) == set(by_month)
    for month, w in by_month.items():
        assert (got[month]["decided"], got[month]["still_open"]) == (w["decided"], w["still_open"])
        assert got[month]["grr"] == pytest.approx(w["grr"])
    smb = renewals.rates(book, Filters(segments=("smb",)), start, end, by_segment=True)
    want = expected_rates(rows, start, end, key=lambda r: SEGMENTS[r["account_id"]])
    assert smb["segment"].to_list() == (["smb"] if "smb" in want else [])  # none due: no row
    assert sum(smb["decided"].to_list()) == want.get("smb", {"decided": 0})["decided"]


def test_rates_of_a_list_of_accounts_read_every_day_per_renewal(book):
    start, end = D(2025, 7, 1), D(2026, 6, 30)  # whole months, which the rollup cannot split by account
    got = renewals.rates(book, Filters(account_ids=(2, 3)), start, end).row(0, named=True)
    assert (got["decided"], got["logo_renewal_rate"]) == (2, pytest.approx(1 / 2))
    assert got["grr"] == pytest.approx(150 / (200 + 50))


def test_rates_include_churned_accounts_whatever_the_stage_filter(book):
    start, end = D(2025, 7, 1), D(2026, 6, 30)
    live_only = renewals.rates(book, Filters(stages=("adoption",)), start, end).row(0, named=True)
    assert live_only["decided"] == 4  # stage describes today; history keeps accounts 3 and 7
    smb = renewals.rates(book, Filters(segments=("smb",)), start, end).row(0, named=True)
    assert (smb["decided"], smb["still_open"]) == (2, 1)


# --- funnel ----------------------------------------------------------------------------------

def test_funnel_windows_and_the_accounts_behind_them(book):
    with book.engine.begin() as conn:  # one open flag on account 4, a resolved one on account 5
        s = book.app_schema
        for flag_id, account_id in ((1, 4), (2, 5)):
            conn.exec_driver_sql(f"insert into {s}.risk_flags (flag_id, account_id, severity, reason, raised_by, "
                                 f"raised_at) values ({flag_id}, {account_id}, 2, 'usage', 'a@x', current_timestamp)")
        conn.exec_driver_sql(f"insert into {s}.risk_flag_events (flag_id, event, by_user, event_at) "
                             f"values (2, 'resolved', 'a@x', current_timestamp)")
    funnel = {(r["due_window"], r["forecast"]): (r["renewals"], r["arr_up"])
              for r in renewals.funnel(book, Filters()).iter_rows(named=True)}
    assert funnel == {("0-30 days", "likely"): (1, 30.0), ("overdue", "at_risk"): (1, 40.0)}
    accounts = renewals.funnel_accounts(book, Filters())
    assert accounts["account_id"].to_list() == [5, 4]
    assert accounts["days_to_due"].to_list() == [-11, 14]
    assert accounts["past_due"].to_list() == [True, False]
    assert accounts["open_flags"].to_list() == [0, 1]
    assert renewals.funnel_accounts(book, Filters(), ("overdue",))["account_id"].to_list() == [5]
    assert renewals.funnel_accounts(book, Filters(), limit=1)["account_id"].to_list() == [5]


def _closed_either_side_of_the_as_of_day(outcome: str, ends: tuple[D, D], closes_before: D) -> Book:
    """Two accounts whose terms end on `ends` with `outcome`: account 1's renewal closed three days
    after the as-of day, account 2's on `closes_before` (by the as-of day)."""
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    after = AS_OF + dt.timedelta(days=3)
    for account_id, end, closed, arr in ((1, ends[0], after, 30), (2, ends[1], closes_before, 50)):
        b.account(account_id)
        b.health(account_id, AS_OF, 60.0)
        term = b.term(account_id, end - dt.timedelta(days=364), end, arr)
        b.renewal(term, outcome, 0 if outcome == "churned" else arr, closed,
                  forecast="at_risk" if outcome == "churned" else "commit", stage="closed")
    return b


def test_a_renewal_decided_after_the_as_of_day_is_still_open_on_it(empty_warehouse):
    """"Open" is decided once (contract_terms.renewal_open): a renewal closed after the as-of day
    was not decided yet on it, so the funnel, the account's open renewals and the snapshot all
    hold it; one closed by the as-of day is in none of them."""
    from queries import forecasts

    wh = _closed_either_side_of_the_as_of_day("renewed", (D(2026, 7, 19), D(2026, 7, 19)), AS_OF) \
        .write(empty_warehouse)
    assert renewals.funnel_accounts(wh, Filters())["account_id"].to_list() == [1]
    assert forecasts.open_renewals(wh, 1)["renewal_id"].to_list() == [1]
    assert forecasts.open_renewals(wh, 2).is_empty()
    with wh.engine.connect() as conn:
        assert dict(conn.exec_driver_sql("select account_id, open_renewal_id from account_snapshot").all()) == \
            {1: 1, 2: None}


def test_a_renewal_closed_after_the_as_of_day_is_undecided_in_every_count(empty_warehouse):
    """"Decided" is decided once (the renewals_as_of mart): a churn due in the quarter but closed
    three days after the as-of day is still open in the renewal rates, the churn by reason and
    the CSM outcomes, as the funnel and the snapshot hold it; a churn closed by the as-of day is
    decided in all of them."""
    from queries import csm_outcomes

    wh = _closed_either_side_of_the_as_of_day("churned", (D(2026, 6, 10), D(2026, 6, 15)), D(2026, 6, 20)) \
        .write(empty_warehouse)
    quarter = (D(2026, 4, 1), D(2026, 6, 30))
    rates = renewals.rates(wh, Filters(), *quarter).row(0, named=True)
    assert (rates["decided"], rates["still_open"], rates["logo_renewal_rate"]) == (1, 1, 0)
    assert retention.churn_reasons(wh, Filters(), *quarter)["arr"].sum() == 50
    assert retention.untagged_churns(wh, Filters(), *quarter)["account_id"].to_list() == [2]
    team = csm_outcomes.outcomes(wh, Filters(), *quarter).filter(csm_outcomes.pl.col("team_total"))
    assert (team["decided"][0], team["still_open"][0]) == (1, 1)
    assert renewals.funnel_accounts(wh, Filters(stages=()))["account_id"].to_list() == [1]


# --- ARR bridge ------------------------------------------------------------------------------

def test_arr_bridge_adds_up_with_every_edge_case(book):
    b = build_book()
    start, end = D(2025, 7, 1), D(2026, 6, 30)
    opening, closing = start - dt.timedelta(days=1), end
    got = retention.arr_bridge(book, Filters(), start, end).row(0, named=True)
    assert got["start_arr"] == sum(arr_on(b, a, opening) for a in SEGMENTS) == 750
    assert got["end_arr"] == sum(arr_on(b, a, closing) for a in SEGMENTS) == 730
    assert got["new_arr"] == 30 + 10 + 80  # accounts 4 and 8 start; 7 comes back
    assert got["expansion"] == 20 and got["contraction"] == 50
    assert got["churn"] == 50 + 60  # account 3, and account 7 before its win-back
    assert got["start_arr"] + got["new_arr"] + got["expansion"] - got["contraction"] - got["churn"] == got["end_arr"]
    assert (got["accounts_start"], got["accounts_churned"]) == (6, 2)
    assert got["churn_rate"] == pytest.approx(2 / 6)


def test_arr_bridge_by_segment_sums_to_the_total(book):
    start, end = D(2025, 7, 1), D(2026, 6, 30)
    total = retention.arr_bridge(book, Filters(), start, end).row(0, named=True)
    parts = retention.arr_bridge(book, Filters(), start, end, by_segment=True)
    for column in ("start_arr", "new_arr", "expansion", "contraction", "churn", "end_arr"):
        assert parts[column].sum() == pytest.approx(total[column])
    smb = parts.filter(parts["segment"] == "smb").row(0, named=True)
    assert (smb["start_arr"], smb["end_arr"]) == (50 + 40 + 60, 30 + 40 + 80)


def test_arr_bridge_applies_the_who_filters_to_the_marts_own_columns(book):
    """The bridge filters arr_changes_daily by the segment and CSM it carries: a segment's bridge is
    its row of the by-segment bridge, the one CSM's team and id keep everything, others nothing."""
    start, end = D(2025, 7, 1), D(2026, 6, 30)
    columns = ("start_arr", "new_arr", "expansion", "contraction", "churn", "end_arr", "accounts_start")
    total = retention.arr_bridge(book, Filters(), start, end).row(0, named=True)
    parts = retention.arr_bridge(book, Filters(), start, end, by_segment=True)
    for part in parts.iter_rows(named=True):
        alone = retention.arr_bridge(book, Filters(segments=(part["segment"],)), start, end).row(0, named=True)
        assert {c: alone[c] for c in columns} == pytest.approx({c: part[c] for c in columns})
    for kept in (Filters(teams=("Scale",)), Filters(csm_ids=(1,))):
        got = retention.arr_bridge(book, kept, start, end).row(0, named=True)
        assert {c: got[c] for c in columns} == pytest.approx({c: total[c] for c in columns})
    for nobody in (Filters(teams=("Strategic",)), Filters(csm_ids=(2,))):
        assert retention.arr_bridge(book, nobody, start, end).is_empty()


def test_a_term_churning_on_a_periods_last_day_counts_once_and_never_as_new(empty_warehouse):
    """A term that ends on 30 September and churns is a churn of Q3, the quarter its renewal was
    due in (as renewal rates and churn reasons count it), once: never a "churned and back" of Q3,
    never the start of Q4, never a churn of Q4."""
    b = Book(D(2026, 1, 31))
    b.csm(1, team="Scale")
    for account_id in (1, 2):
        b.account(account_id)
        b.health(account_id, b.as_of, 60.0)
    gone = b.term(1, D(2024, 10, 1), D(2025, 9, 30), 70, status="churned")
    b.renewal(gone, "churned", 0, D(2025, 9, 20), forecast="at_risk", stage="closed")
    kept = b.term(2, D(2024, 10, 1), D(2025, 9, 30), 90, status="renewed")
    b.renewal(kept, "renewed", 90, D(2025, 9, 20), forecast="commit", stage="closed")
    b.term(2, D(2025, 10, 1), D(2026, 9, 30), 90, term_type="renewal")
    wh = b.write(empty_warehouse)

    def bridge(start, end):
        return retention.arr_bridge(wh, Filters(), start, end).row(0, named=True)
    q3, q4, both = bridge(D(2025, 7, 1), D(2025, 9, 30)), bridge(D(2025, 10, 1), D(2025, 12, 31)), \
        bridge(D(2025, 7, 1), D(2025, 12, 31))
    assert (q3["churn"], q3["new_arr"], q3["accounts_churned"], q3["end_arr"]) == (70, 0, 1, 90)
    assert (q4["churn"], q4["new_arr"], q4["accounts_churned"], q4["start_arr"]) == (0, 0, 0, 90)
    assert (both["churn"], both["new_arr"], both["accounts_churned"]) == (70, 0, 1)
    for got in (q3, q4, both):
        assert got["start_arr"] + got["new_arr"] + got["expansion"] - got["contraction"] - got["churn"] == got["end_arr"]


# --- churn reasons ---------------------------------------------------------------------------

def test_churn_reasons_use_the_latest_tag_and_keep_the_untagged(book):
    s = book.app_schema
    with book.engine.begin() as conn:
        for version, reason in ((1, "budget_cut"), (2, "competitor")):
            conn.exec_driver_sql(f"insert into {s}.churn_tags (account_id, version, primary_reason, reasons, "
                                 f"tagged_by, tagged_at) values (3, {version}, '{reason}', '{reason}', 'a@x', "
                                 f"current_timestamp)")
    got = {(r["quarter"], r["reason"]): (r["logos"], r["arr"]) for r in
           retention.churn_reasons(book, Filters(), D(2025, 7, 1), D(2026, 6, 30)).iter_rows(named=True)}
    assert got == {(D(2026, 1, 1), "Moved to competitor"): (1, 50.0), (D(2025, 7, 1), "Untagged"): (1, 60.0)}


# --- cohorts ---------------------------------------------------------------------------------

def test_cohort_retention_follows_each_account_from_its_own_start(book):
    b = build_book()
    got = {(r["cohort"], r["months"]): r for r in
           retention.cohort_retention(book, Filters(), D(2024, 1, 1)).iter_rows(named=True)}
    q1_2025 = [1, 2, 3]
    firsts = {1: D(2025, 1, 1), 2: D(2025, 2, 1), 3: D(2025, 3, 1)}
    for months in (0, 3, 6, 9, 12, 15):
        days = {a: D(firsts[a].year + (firsts[a].month - 1 + months) // 12, (firsts[a].month - 1 + months) % 12 + 1, 1)
                for a in q1_2025}
        arr = {a: arr_on(b, a, days[a]) for a in q1_2025}
        cell = got[(D(2025, 1, 1), months)]
        assert cell["cohort_size"] == 3
        assert cell["accounts_live"] == sum(v > 0 for v in arr.values())
        assert cell["arr_retention"] == pytest.approx(sum(arr.values()) / 350)
    assert got[(D(2025, 1, 1), 12)]["logo_retention"] == pytest.approx(2 / 3)
    assert (D(2025, 1, 1), 18) not in got  # account 1 reaches 18 months only after the data date
    # the account that churned and came back: gone at 12 and 15 months, back (at 80) at 18
    assert [got[(D(2024, 10, 1), m)]["accounts_live"] for m in (9, 12, 15, 18)] == [1, 0, 0, 1]
    assert got[(D(2024, 10, 1), 18)]["arr_retention"] == pytest.approx(80 / 60)
    # the three-year term holds all the way
    assert all(got[(D(2024, 4, 1), m)]["logo_retention"] == 1 for m in range(0, 25, 3))
    assert (D(2024, 4, 1), 27) not in got


def test_cohort_retention_follows_the_who_filters(book):
    smb = {(r["cohort"], r["months"]) for r in
           retention.cohort_retention(book, Filters(segments=("smb",)), D(2024, 1, 1)).iter_rows(named=True)}
    assert (D(2024, 10, 1), 18) in smb  # account 7 (smb)
    assert not any(cohort == D(2024, 4, 1) for cohort, _m in smb)  # account 6 is high-touch
    mid = retention.cohort_retention(book, Filters(segments=("mid_market",)), D(2024, 1, 1))
    assert set(mid.filter(mid["months"] == 0)["cohort_size"].to_list()) == {2}  # accounts 1 and 2
