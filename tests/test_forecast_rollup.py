"""The CSM forecast roll-up and its accuracy on a hand-built book whose forecasts and outcomes are
known, against computations written out here in plain Python. The edges: a forecast recorded
exactly k weeks before the due date counts for k, one recorded a day later does not; a forecast
recorded after the due date never counts; a superseded version is not counted; an open renewal
past the funnel's horizon is not in the roll-up; a renewal nobody forecast is 'no_forecast'."""
import datetime as dt

import pytest
import sqlalchemy as sa

from queries import definitions as d
from queries import forecast_rollup as fr
from queries import labels
from queries.scope import Filters
from tests.builders import Book, days, stamp

D = dt.date
AS_OF = D(2026, 6, 30)
PERIOD = (D(2026, 1, 1), D(2026, 6, 30))
TEAMS = {1: "A", 2: "A", 3: "B"}
# account -> (CSM, segment)
ACCOUNTS = {1: (1, "smb"), 2: (1, "mid_market"), 3: (2, "smb"), 4: (3, "mid_market"), 5: (3, "smb"),
            6: (1, "smb"), 7: (1, "smb"), 8: (2, "mid_market"), 9: (2, "smb"), 10: (3, "smb"), 11: (3, "smb")}


def build_book() -> Book:
    b = Book(AS_OF)
    for csm_id, team in TEAMS.items():
        b.csm(csm_id, team=team)
    for account_id, (csm_id, segment) in ACCOUNTS.items():
        b.account(account_id, segment=segment, csm_id=csm_id)
        b.health(account_id, AS_OF, 60.0)  # the snapshot's day
    # open renewals: due in 20, 50 and 100 days, 5 days past due, and 200 days out (past the horizon)
    for account_id, due_in, arr, crm in ((1, 20, 10_000, "commit"), (2, 50, 20_000, "likely"),
                                         (3, -5, 30_000, "at_risk"), (4, 100, 40_000, "likely"),
                                         (5, 200, 50_000, "commit")):
        term = b.term(account_id, AS_OF + days(due_in) - days(364), AS_OF + days(due_in), arr)
        b.renewal(term, None, forecast=crm)
    # decided renewals: four due in the period, one before it
    for account_id, due, arr, outcome, renewed in ((6, D(2026, 3, 31), 100, "renewed", 120),
                                                   (7, D(2026, 2, 28), 200, "churned", 0),
                                                   (8, D(2026, 5, 15), 300, "renewed", 300),
                                                   (9, D(2026, 4, 10), 400, "churned", 0),
                                                   (10, D(2026, 6, 1), 500, "renewed", 450),
                                                   (11, D(2025, 12, 15), 600, "renewed", 600)):
        term = b.term(account_id, due - days(364), due, arr, status=outcome)
        b.renewal(term, outcome, renewed, due - days(2), stage="closed")
    return b


RENEWAL_OF = {account_id: account_id for account_id in ACCOUNTS}  # the builder numbers them in order
# (renewal, version, category, expected ARR, recorded at)
FORECASTS = [
    (1, 1, "likely", 9_000, stamp(AS_OF - days(30))),   # superseded by version 2
    (1, 2, "commit", 10_000, stamp(AS_OF - days(3))),
    (2, 1, "at_risk", 8_000, stamp(AS_OF - days(10))),
    (3, 1, "will_churn", 0, stamp(AS_OF - days(1))),
    (5, 1, "commit", 50_000, stamp(AS_OF - days(1))),    # past the horizon: not rolled up
    # 6: at risk exactly 4 weeks before due (counts for k = 4), commit a day later (k = 2 and 0 only)
    (6, 1, "at_risk", 50, stamp(D(2026, 3, 31) - days(28), 23)),
    (6, 2, "commit", 110, stamp(D(2026, 3, 31) - days(27), 8)),
    # 7: commit 60 days before due; will churn 3 days after the due date, which never counts
    (7, 1, "commit", 200, stamp(D(2026, 2, 28) - days(60))),
    (7, 2, "will_churn", 0, stamp(D(2026, 2, 28) + days(3))),
    (8, 1, "likely", 280, stamp(D(2026, 5, 15) - days(100))),
    (9, 1, "at_risk", 100, stamp(D(2026, 4, 10) - days(14))),  # exactly 2 weeks before due
    (11, 1, "commit", 600, stamp(D(2025, 12, 15) - days(30))),  # due before the period
]


@pytest.fixture
def book(backend, hand_built):
    wh = hand_built(backend, build_book)
    with wh.engine.begin() as conn:
        conn.execute(sa.text(f"""insert into {wh.app_schema}.renewal_forecasts
            (renewal_id, account_id, version, category, expected_arr, note, by_user, recorded_at)
            values (:r, :a, :v, :c, :e, null, 'csm1@example.com', :at)"""),
            [{"r": r, "a": r, "v": v, "c": c, "e": e, "at": at} for r, v, c, e, at in FORECASTS])
    return wh


def renewal_rows() -> list[dict]:
    return build_book().rows["renewals"]


def latest(renewal_id: int, cutoff: dt.date | None = None) -> tuple | None:
    """The newest version of a renewal's forecast (recorded on or before `cutoff`, if given)."""
    mine = [f for f in FORECASTS if f[0] == renewal_id and (cutoff is None or f[4].date() <= cutoff)]
    return max(mine, key=lambda f: f[1]) if mine else None


# --- the roll-up -----------------------------------------------------------------------------------
GROUP = {"category": lambda a: "all", "segment": lambda a: ACCOUNTS[a][1],
         "team": lambda a: TEAMS[ACCOUNTS[a][0]], "csm": lambda a: f"CSM {ACCOUNTS[a][0]}"}


def expected_rollup(by: str) -> dict:
    out = {}
    for r in renewal_rows():
        if r["outcome"] is not None or (r["due_date"] - AS_OF).days > d.FUNNEL_HORIZON_DAYS:
            continue
        f = latest(r["renewal_id"])
        key = (GROUP[by](r["account_id"]), f[2] if f else "no_forecast")
        row = out.setdefault(key, {"renewals": 0, "arr_up": 0.0, "expected_arr": None,
                                   **{f"crm_{c}_arr": 0.0 for c in labels.FORECASTS}})
        row["renewals"] += 1
        row["arr_up"] += r["arr_up"]
        row[f"crm_{r['forecast']}_arr"] += r["arr_up"]
        if f:
            row["expected_arr"] = (row["expected_arr"] or 0) + f[3]
    return out


@pytest.mark.parametrize("by", list(fr.BREAKDOWNS))
def test_the_rollup_counts_each_open_renewal_once_by_its_latest_forecast(book, by):
    got = rows_by(fr.rollup(book, Filters(), by), "grp", "csm_forecast")
    assert got == expected_rollup(by)


def test_the_rollup_reads_as_the_book_says(book):
    """The edges by name, so a wrong expectation above cannot hide one."""
    got = {row["csm_forecast"]: row for row in fr.rollup(book, Filters()).iter_rows(named=True)}
    assert list(got) == ["commit", "at_risk", "will_churn", "no_forecast"]  # in order; 1's likely was superseded
    assert got["commit"]["renewals"] == 1 and got["commit"]["expected_arr"] == 10_000  # v2 only; 5 is too far out
    assert got["no_forecast"]["arr_up"] == 40_000 and got["no_forecast"]["expected_arr"] is None
    assert got["will_churn"]["crm_at_risk_arr"] == 30_000  # the past-due renewal is still open


def test_filters_narrow_the_rollup(book):
    got = fr.rollup(book, Filters(teams=("B",)))
    assert got["csm_forecast"].to_list() == ["no_forecast"] and got["arr_up"].to_list() == [40_000]


# --- accuracy --------------------------------------------------------------------------------------
def decided() -> list[dict]:
    return [r for r in renewal_rows() if r["outcome"] and PERIOD[0] <= r["due_date"] <= PERIOD[1]]


def expected_accuracy(weeks: int, key=lambda account_id: "all") -> dict:
    out = {}
    for r in decided():
        f = latest(r["renewal_id"], r["due_date"] - dt.timedelta(weeks=weeks))
        out.setdefault(key(r["account_id"]), []).append((r, f))
    result = {}
    for group, pairs in out.items():
        called = [(r, f) for r, f in pairs if f]
        up = sum(r["arr_up"] for r, _ in called)
        right = [(r, f) for r, f in called if (f[2] in ("commit", "likely")) == (r["outcome"] == "renewed")]
        result[group] = {
            "decided": len(pairs), "forecast": len(called), "coverage": len(called) / len(pairs),
            "expected_arr": sum(f[3] for _, f in called) if called else None,
            "renewed_arr": sum(r["arr_renewed"] for r, _ in called) if called else None,
            "bias": sum(f[3] - r["arr_renewed"] for r, f in called) if called else None,
            "error_share": sum(abs(f[3] - r["arr_renewed"]) for r, f in called) / up if up else None,
            "hit_rate": len(right) / len(called) if called else None,
            "missed_churn": sum(f[2] in ("commit", "likely") and r["outcome"] == "churned" for r, f in called),
            "false_alarm": sum(f[2] in ("at_risk", "will_churn") and r["outcome"] == "renewed" for r, f in called),
        }
    return result


def rows_by(frame, *keys) -> dict:
    return {tuple(row.pop(k) for k in keys): row for row in frame.iter_rows(named=True)}


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == pytest.approx(b[k]) if isinstance(b[k], float) else a[k] == b[k] for k in a)


def test_accuracy_by_weeks_before_due_matches_an_independent_computation(book):
    got = rows_by(fr.accuracy(book, Filters(), *PERIOD), "weeks_before", "grp")
    assert sorted(k for k, _ in got) == sorted(d.FORECAST_WEEKS_BEFORE_DUE)
    for weeks in d.FORECAST_WEEKS_BEFORE_DUE:
        assert close(got[weeks, "all"], expected_accuracy(weeks)["all"]), weeks


def test_accuracy_by_csm_matches_an_independent_computation(book):
    got = rows_by(fr.accuracy(book, Filters(), *PERIOD, by="csm"), "weeks_before", "grp")
    for weeks in d.FORECAST_WEEKS_BEFORE_DUE:
        want = expected_accuracy(weeks, key=lambda a: f"CSM {ACCOUNTS[a][0]}")
        assert {g for w, g in got if w == weeks} == set(want)
        for group, row in want.items():
            assert close(got[weeks, group], row), (weeks, group)


def test_accuracy_edges_by_name(book):
    got = rows_by(fr.accuracy(book, Filters(), *PERIOD, by="csm"), "weeks_before", "grp")
    # account 6: at risk recorded exactly 4 weeks before due counts for k = 4, the later commit for k = 2
    assert got[4, "CSM 1"]["false_alarm"] == 1 and got[2, "CSM 1"]["false_alarm"] == 0
    # account 7: the will-churn recorded after the due date never counts: commit stood, and it churned
    assert got[0, "CSM 1"]["missed_churn"] == 1
    # account 9: at risk exactly 2 weeks before due counts for k = 2, not for k = 4
    assert got[2, "CSM 2"]["forecast"] == 2 and got[4, "CSM 2"]["forecast"] == 1
    # account 10 had no forecast; account 11 is due before the period
    assert got[0, "CSM 3"] == {"decided": 1, "forecast": 0, "coverage": 0.0, "expected_arr": None,
                               "renewed_arr": None, "bias": None, "error_share": None, "hit_rate": None,
                               "missed_churn": 0, "false_alarm": 0}


@pytest.mark.parametrize("weeks", d.FORECAST_WEEKS_BEFORE_DUE)
def test_category_against_outcome(book, weeks):
    want = {}
    for r in decided():
        f = latest(r["renewal_id"], r["due_date"] - dt.timedelta(weeks=weeks))
        row = want.setdefault((f[2] if f else "no_forecast", r["outcome"]),
                              {"renewals": 0, "arr_up": 0.0, "expected_arr": None, "arr_renewed": 0.0})
        row["renewals"] += 1
        row["arr_up"] += r["arr_up"]
        row["arr_renewed"] += r["arr_renewed"]
        if f:
            row["expected_arr"] = (row["expected_arr"] or 0) + f[3]
    got = rows_by(fr.category_vs_outcome(book, Filters(), *PERIOD, weeks), "csm_forecast", "outcome")
    assert got == want
