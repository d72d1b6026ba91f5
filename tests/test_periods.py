"""Honest periods: a bucket the period cuts short says so, quarters read 'Q4 2025', tiles compare
with the period just before, and the weekly activity chart starts on a whole week."""
import datetime as dt

import polars as pl
import pytest

from components import charts, periods
from queries import engagement
from queries.scope import Filters
from tests.builders import Book, days

AS_OF = dt.date(2026, 11, 25)  # a Wednesday: this week holds three days


@pytest.mark.parametrize("start, grain, label", [
    (dt.date(2025, 11, 1), "month", "Nov 2025 (26–30 Nov only)"),     # a 'last 12 months' starting on the 26th
    (dt.date(2026, 1, 1), "month", "Jan 2026"),
    (dt.date(2026, 11, 1), "month", "Nov 2026 (1–25 Nov only)"),      # this month, so far
    (dt.date(2025, 10, 1), "quarter", "Q4 2025 (26 Nov–31 Dec only)"),
    (dt.date(2026, 4, 1), "quarter", "Q2 2026"),
    (dt.date(2026, 11, 23), "week", "23 Nov 2026 (23–25 Nov only)"),
])
def test_a_bucket_is_named_for_a_reader_and_marked_when_cut_short(start, grain, label):
    assert periods.bucket_label(start, grain, dt.date(2025, 11, 26), AS_OF) == label


def test_the_onboarding_heatmap_names_cohorts_and_spreads_its_blue_over_the_rates_shown():
    q4, q1 = dt.date(2025, 10, 1), dt.date(2026, 1, 1)
    frame = pl.DataFrame({"cohort": [q4, q4, q1, q1], "milestone": ["kickoff", "go_live"] * 2,
                          "day_offset": [7, 30] * 2, "on_time_rate": [0.5, 0.88, 0.7, None]})
    heat = charts.build_milestone_heatmap(frame, "quarter").data[0]
    assert list(heat.y) == ["Q4 2025", "Q1 2026"]  # cohorts by name, not month ticks or dates
    assert (heat.zmin, heat.zmax) == (0.5, 0.88)    # 50% is the palest cell, 88% the darkest
    colours = [colour for _, colour in heat.colorscale]
    assert all(charts.RAG[m] not in colours for m in ("bad", "watch", "good"))  # a neutral blue, no verdict
    assert colours[0] != colours[-1]
    assert [list(row) for row in heat.text] == [["50%", "88%"], ["70%", "not due yet"]]
    monthly = charts.build_milestone_heatmap(frame.with_columns(pl.col("cohort").dt.offset_by("1mo")), "month")
    assert list(monthly.data[0].y) == ["Nov 2025", "Feb 2026"]


def test_a_tables_period_column_reads_like_the_chart():
    frame = pl.DataFrame({"period": [dt.date(2025, 10, 1), dt.date(2026, 7, 1), None]})
    assert periods.label_buckets(frame, "period", "quarter")["period"].to_list() == ["Q4 2025", "Q3 2026", None]
    cut = periods.label_buckets(frame.head(1), "period", "quarter", dt.date(2025, 11, 26), AS_OF)
    assert cut["period"].to_list() == ["Q4 2025 (26 Nov–31 Dec only)"]


def test_partial_buckets_are_the_first_and_the_last():
    months = [dt.date(2025, 11, 1), *[dt.date(2026, m, 1) for m in range(1, 12)]]
    assert periods.partial_buckets(months, "month", dt.date(2025, 11, 26), AS_OF) == [months[0], months[-1]]


@pytest.mark.parametrize("start, end, before", [
    (dt.date(2026, 7, 1), dt.date(2026, 9, 30), (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),      # a quarter
    (dt.date(2025, 10, 1), dt.date(2026, 9, 30), (dt.date(2024, 10, 1), dt.date(2025, 9, 30))),    # 4 quarters
    (dt.date(2026, 3, 1), dt.date(2026, 3, 31), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),      # a month
    (dt.date(2025, 11, 26), AS_OF, (dt.date(2024, 11, 26), dt.date(2025, 11, 25))),                 # 365 days
])
def test_the_prior_period_is_as_long_and_just_before(start, end, before):
    prior = periods.prior(periods.Period(start, end, "x"))
    assert (prior.start, prior.end) == before
    assert prior.end + dt.timedelta(days=1) == start


def test_a_change_is_against_the_prior_period():
    assert periods.change(0.92, 0.9, "rate") == "+2.0 pts vs prior period"
    assert periods.change(21, 30) == "-9 vs prior period"
    assert periods.change(21, None) is None


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    b.account(1)
    b.term(1, AS_OF - days(300), AS_OF + days(65), 10_000)
    b.health(1, AS_OF, 80.0)
    monday = AS_OF - days(AS_OF.weekday())
    first = monday - days(7 * engagement.WEEKS)
    for day in (first - days(1), first, first + days(6), monday - days(1), monday, AS_OF):
        b.activity(1, "call", day)
    return b


def test_weekly_activity_starts_on_a_whole_week(backend, hand_built):
    weekly = engagement.weekly_by_kind(hand_built(backend, build_book), Filters())
    monday = AS_OF - days(AS_OF.weekday())
    weeks = dict(zip(weekly["week"].to_list(), weekly["activities"].to_list()))
    first = monday - days(7 * engagement.WEEKS)
    # the Sunday before the first whole week is out; the first week is whole; this week is last
    assert weeks == {first: 2, monday - days(7): 1, monday: 2}
    assert all(w.weekday() == 0 for w in weeks)


def test_retention_is_headed_by_grr_and_nrr_with_their_change(backend, demo_warehouse, monkeypatch):
    from components import kpi
    from queries import renewals
    from tests.apptest import keep_apptest_on_navigation
    from tests.conftest import DEMO_AS_OF
    from tests.test_app import open_app
    keep_apptest_on_navigation(monkeypatch.setattr)
    at = open_app(monkeypatch, demo_warehouse.url, demo_warehouse.app_schema)
    at.switch_page("pages/retention.py").run()
    period = periods.presets(DEMO_AS_OF)["Last 4 full quarters"]
    before = periods.prior(period)
    now = renewals.rates(demo_warehouse, Filters(), period.start, period.end).row(0, named=True)
    then = renewals.rates(demo_warehouse, Filters(), before.start, before.end).row(0, named=True)
    assert [m.label for m in at.metric[:2]] == ["GRR (pure)", "NRR"]
    for tile, column in zip(at.metric[:2], ("grr", "nrr")):
        assert tile.value == kpi.percent(now[column])
        assert tile.delta == periods.change(now[column], then[column], "rate")
