"""Portfolio metrics against hand-built books whose answers are worked out here, on both backends."""
import datetime as dt

import pytest

from queries import portfolio
from queries.db import fetch
from queries.scope import Filters, scoped
from tests.builders import Book, days

AS_OF = dt.date(2026, 6, 30)

# account: (segment, csm, arr, latest score, expected stage, expected tier, expected band, live)
EXPECTED = {
    1: ("smb", 1, 10_000, 35.0, "onboarding", "heavy", "red", True),
    2: ("mid_market", 2, 50_000, 55.0, "adoption", "normal", "yellow", True),
    3: ("smb", 1, 20_000, 70.0, "renewal", "light", "green", True),
    4: ("smb", 1, 30_000, 40.0, "adoption", "inactive", "yellow", True),
    5: ("tech_touch", 1, 5_000, 69.9, "onboarding", "abandoned", "yellow", True),
    6: ("tech_touch", 1, 6_000, 90.0, "adoption", "abandoned", "green", True),
    7: ("smb", 1, 15_000, 20.0, "churned", None, "red", False),
    8: ("mid_market", 2, 40_000, 45.0, "renewal", "abandoned", "yellow", True),
    9: ("mid_market", 2, 25_000, None, "adoption", "abandoned", "no score", True),
}
FOUR_WEEKS_AGO = {1: 50.0, 2: 60.0, 3: 65.0, 4: 45.0}


def build_book() -> Book:
    """Each account sits on a boundary of one definition (stage days, tier ratio, band score)."""
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    b.csm(2, team="Strategic", segment="mid_market")
    for account_id, (segment, csm, *_rest) in EXPECTED.items():
        b.account(account_id, segment=segment, csm_id=csm)
    b.term(1, AS_OF - days(30), AS_OF + days(334), 10_000)                      # day 30: onboarding
    first = b.term(2, AS_OF - days(400), AS_OF - days(35), 45_000, status="renewed")
    b.renewal(first, "renewed", 50_000, AS_OF - days(40), forecast="commit", stage="closed")
    b.term(2, AS_OF - days(34), AS_OF + days(330), 50_000, term_type="renewal")  # renewal term: adoption
    b.term(3, AS_OF - days(300), AS_OF + days(89), 20_000)                      # 89 days left: renewal
    b.term(4, AS_OF - days(300), AS_OF + days(90), 30_000)                      # 90 days left: adoption
    b.term(5, AS_OF - days(89), AS_OF + days(275), 5_000)                       # day 89: onboarding
    b.term(6, AS_OF - days(90), AS_OF + days(274), 6_000)                       # day 90: adoption
    lost = b.term(7, AS_OF - days(375), AS_OF - days(10), 15_000, status="churned")
    b.renewal(lost, "churned", 0, AS_OF - days(12), forecast="at_risk", stage="closed")
    overdue = b.term(8, AS_OF - days(370), AS_OF - days(5), 40_000)             # past due, renewal open
    b.renewal(overdue, None)
    b.term(9, AS_OF - days(200), AS_OF + days(165), 25_000)
    b.weekday_usage(1, 7, 10)     # 70% of seats: heavy (boundary)
    b.weekday_usage(2, 4, 10)     # 40%: normal (boundary)
    b.weekday_usage(3, 15, 100)   # 15%: light (boundary)
    b.weekday_usage(4, 14, 100)   # 14%: inactive
    b.weekday_usage(5, 0, 10)     # nobody for 30 days ...
    b.usage(5, AS_OF - days(30), 3, 10)  # ... last active exactly 30 days ago: abandoned
    for account_id, (*_head, score, _stage, _tier, _band, _live) in EXPECTED.items():
        if score is not None:
            b.health(account_id, AS_OF if account_id != 7 else AS_OF - days(14), score)
    for account_id, score in FOUR_WEEKS_AGO.items():
        b.health(account_id, AS_OF - days(28), score)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def live(ids=None):
    return {a: e for a, e in EXPECTED.items() if e[7] and (ids is None or a in ids)}


def test_stage_tier_and_band_at_their_boundaries(book):
    statement, params = scoped(book, Filters(stages=()), """
        select account_id, lifecycle_stage, activity_tier, health_band, arr, is_live
        from in_scope order by account_id""")
    rows = {r["account_id"]: r for r in fetch(book, statement, params).iter_rows(named=True)}
    assert set(rows) == set(EXPECTED)
    for account_id, (_seg, _csm, arr, _score, stage, tier, band, is_live) in EXPECTED.items():
        row = rows[account_id]
        assert (row["lifecycle_stage"], row["activity_tier"], row["health_band"]) == (stage, tier, band), account_id
        assert bool(row["is_live"]) == is_live
        assert row["arr"] == (arr if is_live else 0)


def test_kpis_equal_an_independent_computation(book):
    expected = live()
    scores = [e[3] for e in expected.values() if e[3] is not None]
    k = portfolio.kpis(book, Filters())
    assert k["accounts"] == len(expected) == 8
    assert k["arr"] == sum(e[2] for e in expected.values()) == 186_000
    assert k["avg_health"] == pytest.approx(sum(scores) / len(scores))
    assert k["avg_health_4w_ago"] == pytest.approx(sum(FOUR_WEEKS_AGO.values()) / len(FOUR_WEEKS_AGO))
    assert k["at_risk_arr"] == sum(e[2] for e in expected.values() if e[6] == "red") == 10_000
    assert k["green_share"] == pytest.approx(sum(e[6] == "green" for e in expected.values()) / len(scores))


def test_band_mix_sums_to_the_book_by_every_dimension(book):
    for dimension in portfolio.DIMENSIONS:
        mix = portfolio.band_mix(book, Filters(), dimension)
        assert mix["accounts"].sum() == 8
        assert mix["arr"].sum() == 186_000
    by_segment = {(r["bucket"], r["health_band"]): (r["accounts"], r["arr"])
                  for r in portfolio.band_mix(book, Filters(), "segment").iter_rows(named=True)}
    assert by_segment[("smb", "yellow")] == (1, 30_000)
    assert by_segment[("tech_touch", "yellow")] == (1, 5_000)
    assert by_segment[("mid_market", "no score")] == (1, 25_000)


@pytest.mark.parametrize("filters, ids", [
    (Filters(segments=("smb",)), {1, 3, 4}),
    (Filters(teams=("Strategic",)), {2, 8, 9}),
    (Filters(csm_ids=(1,)), {1, 3, 4, 5, 6}),
    (Filters(stages=("churned",)), {7}),
    (Filters(stages=()), set(EXPECTED)),
    (Filters(tiers=("abandoned",)), {5, 6, 8, 9}),
    (Filters(segments=("smb",), stages=("renewal",)), {3}),
    (Filters(segments=("high_touch",)), set()),
])
def test_filters_restrict_the_scope(book, filters, ids):
    k = portfolio.kpis(book, filters)
    assert k["accounts"] == len(ids)
    assert k["arr"] == sum(EXPECTED[a][2] for a in ids if EXPECTED[a][7])


def test_health_trend_averages_each_snapshot_over_the_scope(book):
    trend = {r["day"]: (r["avg_health"], r["accounts"]) for r in
             portfolio.health_trend(book, Filters()).iter_rows(named=True)}
    assert trend[AS_OF - days(28)] == (pytest.approx(sum(FOUR_WEEKS_AGO.values()) / 4), 4)
    today = [e[3] for e in live().values() if e[3] is not None]
    assert trend[AS_OF] == (pytest.approx(sum(today) / len(today)), len(today))
    assert AS_OF - days(14) not in trend  # account 7's snapshot: churned, out of the default scope


def test_lowest_health_is_ordered_and_limited(book):
    rows = portfolio.lowest_health(book, Filters(), limit=3)
    assert rows["account_id"].to_list() == [1, 4, 8]
    assert rows["health_change_4w"].to_list() == [35.0 - 50.0, 40.0 - 45.0, None]


def test_data_as_of_is_the_newest_snapshot(book):
    assert portfolio.data_as_of(book) == AS_OF


@pytest.mark.parametrize("filters", [Filters(), Filters(stages=()), Filters(segments=("smb",)),
                                     Filters(teams=("Strategic",)), Filters(csm_ids=(1,), stages=())])
def test_the_trend_rollup_equals_the_per_account_trend(book, filters, monkeypatch):
    assert_trend_rollup_matches(book, filters, monkeypatch)


def assert_trend_rollup_matches(wh, filters, monkeypatch):
    """health_weekly must give exactly what the per-account join gives, filter by filter."""
    fast = portfolio.health_trend(wh, filters)
    monkeypatch.setattr(portfolio, "_trend_from_rollup", lambda _f: False)
    portfolio.health_trend.clear()
    slow = portfolio.health_trend(wh, filters)
    assert fast["day"].to_list() == slow["day"].to_list()
    assert fast["accounts"].to_list() == slow["accounts"].to_list()
    assert fast["avg_health"].to_list() == pytest.approx(slow["avg_health"].to_list())
