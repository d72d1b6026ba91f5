"""The synthetic book: deterministic, shaped like domain.md's reference company, and alive
enough that every signal of domain.md fires somewhere. Both backends hold the same numbers."""
import datetime as dt

import polars as pl
import pytest

from queries import definitions as d, onboarding, portfolio
from queries.scope import Filters
from tests.builders import count
from tests.conftest import DEMO_AS_OF
from warehouse.synth import Shape, generate


def test_generator_is_deterministic():
    shape = Shape(accounts=200, as_of=dt.date(2026, 1, 15), usage_days=60, health_weeks=20)
    first, again = generate(shape), generate(shape)
    for table, frame in first.items():
        assert frame.equals(again[table]), table
    other = generate(Shape(accounts=200, seed=7, as_of=shape.as_of, usage_days=60, health_weeks=20))
    assert not other["contracts"].equals(first["contracts"])


def test_generator_scales_the_team_with_the_book():
    frames = generate(Shape(accounts=16_000, as_of=dt.date(2026, 1, 15), usage_days=7, health_weeks=2))
    roles = frames["csms"]["role"].value_counts().sort("role")
    assert dict(roles.iter_rows()) == {"csm": 180, "lead": 20, "leader": 1, "ops": 1}


def test_the_reference_company(demo_warehouse):
    k = portfolio.kpis(demo_warehouse, Filters())
    assert k["accounts"] == 1600
    assert 36e6 < k["arr"] < 44e6
    roles = {r: count(demo_warehouse, "select count(*) from csms where role = :r", r=r)
             for r in ("csm", "lead", "ops", "leader")}
    assert roles == {"csm": 18, "lead": 2, "ops": 1, "leader": 1}  # the team of 21, and its head
    big = count(demo_warehouse, "select count(*) from account_snapshot where arr > 150000")
    assert 10 <= big <= 30
    legacy = count(demo_warehouse, "select count(*) from accounts a join account_snapshot s "
                                   "on s.account_id = a.account_id where a.plan = 'legacy' and s.is_live")
    assert 120 <= legacy <= 280


def test_churn_is_realistic_and_higher_in_smb(demo_warehouse):
    year_ago = DEMO_AS_OF - dt.timedelta(days=365)
    lost = count(demo_warehouse, "select count(*) from renewals where outcome = 'churned' "
                                 "and due_date > :start and due_date <= :end", start=year_ago, end=DEMO_AS_OF)
    at_start = count(demo_warehouse, "select count(distinct account_id) from contracts "
                                     "where start_date <= :d and end_date >= :d", d=year_ago)
    assert 0.10 <= lost / at_start <= 0.15

    def churn_share(segment):
        closed = count(demo_warehouse, "select count(*) from renewals r join accounts a on a.account_id = "
                                       "r.account_id where r.outcome is not null and a.segment = :s", s=segment)
        churned = count(demo_warehouse, "select count(*) from renewals r join accounts a on a.account_id = "
                                        "r.account_id where r.outcome = 'churned' and a.segment = :s", s=segment)
        return churned / closed
    assert churn_share("smb") > churn_share("mid_market") > churn_share("high_touch")
    expanded = count(demo_warehouse, "select count(*) from renewals where arr_renewed > arr_up")
    contracted = count(demo_warehouse, "select count(*) from renewals where 0 < arr_renewed and arr_renewed < arr_up")
    assert expanded > 0 and contracted > 0


def test_some_open_renewals_are_past_due(demo_warehouse):
    """The funnel's overdue window (definitions.due_window) is not empty: some renewals run late."""
    from queries import renewals
    funnel = renewals.funnel(demo_warehouse, Filters())
    overdue = funnel.filter(pl.col("due_window") == d.DUE_WINDOWS[0])["renewals"].sum()
    assert 0 < overdue < 1600 * 0.5


def test_usage_sags_before_a_churn(demo_warehouse):
    """Key events in the two weeks before a churn are well below the same account's level 3 months earlier."""
    ratio = count(demo_warehouse, """
        select cast(avg(case when u.day > c.end_date - 14 then u.key_events end) as double precision)
             / avg(case when u.day between c.end_date - 120 and c.end_date - 90 then u.key_events end)
        from contracts c join usage_daily u on u.account_id = c.account_id
        where c.status = 'churned' and c.end_date > :since""", since=DEMO_AS_OF - dt.timedelta(days=200))
    assert ratio < 0.6


def test_csm_books_are_over_and_under_target(demo_warehouse):
    books = portfolio.band_mix(demo_warehouse, Filters(segments=("mid_market",)), "csm") \
        .group_by("bucket").agg(portfolio.pl.col("accounts").sum())["accounts"].to_list()
    target = d.BOOK_TARGETS["mid_market"]  # accounts per mid-market CSM
    assert max(books) > target * d.OVERLOADED_FROM and min(books) < target * d.UNDERLOADED_BELOW


def test_both_engines_give_the_same_numbers(demo_warehouses):
    duck, pg = demo_warehouses("duckdb"), None
    from tests.conftest import _postgres_or_skip
    _postgres_or_skip()
    pg = demo_warehouses("postgres")
    for filters in (Filters(), Filters(segments=("smb",), stages=("renewal",))):
        a, b = portfolio.kpis(duck, filters), portfolio.kpis(pg, filters)
        assert a.keys() == b.keys()
        for key in a:
            assert a[key] == pytest.approx(b[key]), key
        assert portfolio.band_mix(duck, filters, "activity_tier").equals(portfolio.band_mix(pg, filters, "activity_tier"))
        assert portfolio.lowest_health(duck, filters)["account_id"].to_list() == \
            portfolio.lowest_health(pg, filters)["account_id"].to_list()


def test_team_builds_at_benchmark_scale():
    """At 200k accounts the first hundred staff rows are all leads (no segment): still a str column."""
    import numpy as np

    from warehouse.synth import build_team
    csms, pools = build_team(np.random.default_rng(1), 200_000)
    assert csms.schema["segment"] == pl.String
    assert {s: len(ids) for s, ids in pools.items()} == {"high_touch": 250, "mid_market": 1375, "smb": 500,
                                                          "tech_touch": 125}
    assert csms["email"].n_unique() == csms.height


def test_the_demo_has_a_churn_reason_history_with_a_backlog(demo_warehouse):
    s = demo_warehouse.app_schema
    tagged = count(demo_warehouse, f"select count(distinct account_id) from {s}.churn_tags")
    churned = count(demo_warehouse, "select count(distinct account_id) from renewals where outcome = 'churned'")
    reasons = count(demo_warehouse, f"select count(distinct primary_reason) from {s}.churn_tags")
    assert 0.5 * churned < tagged < churned  # most tagged, some still waiting
    assert reasons >= 6
    unattributed = count(demo_warehouse, f"select count(*) from {s}.churn_tags where tagged_by is null or tagged_by = ''")
    assert unattributed == 0


@pytest.mark.parametrize("filters", [Filters(), Filters(segments=("smb", "mid_market")), Filters(teams=("Scale",))])
def test_the_trend_rollup_equals_the_per_account_trend_on_the_demo(demo_warehouse, filters, monkeypatch):
    from tests.test_portfolio_queries import assert_trend_rollup_matches
    assert_trend_rollup_matches(demo_warehouse, filters, monkeypatch)


def test_every_signal_rule_fires_in_the_demo_and_none_floods_it(demo_warehouse):
    """Every rule of SIGNAL_RULES, as the app evaluates it (queries/signals.py, thresholds from
    definitions): the test restates no rule of its own."""
    from queries import signals
    from queries.definitions import SIGNAL_RULES
    counts = dict(signals.counts(demo_warehouse, Filters()).select("rule", "accounts").iter_rows())
    assert set(counts) == set(SIGNAL_RULES)
    assert all(0 < n < 1600 * 0.15 for n in counts.values()), counts


def test_both_engines_fire_the_same_signals(demo_warehouses):
    from queries import signals
    from tests.conftest import _postgres_or_skip
    _postgres_or_skip()
    duck, pg = (signals.firing(demo_warehouses(b), Filters()) for b in ("duckdb", "postgres"))
    assert duck.select("account_id", "rule", "since").equals(pg.select("account_id", "rule", "since"))
    assert duck["evidence"].to_list() == pg["evidence"].to_list()


def test_every_planned_milestone_is_in_the_book_and_on_track_onboardings_show_the_next(demo_warehouse):
    """The contract describes every planned milestone with its due date, done or not: an account
    early in its onboarding has its next milestone ahead of it."""
    ahead = count(demo_warehouse, "select count(*) from onboarding_milestones m join account_snapshot s "
                                  "on s.account_id = m.account_id where m.due_date > s.as_of")
    assert ahead > 0
    now = onboarding.in_onboarding(demo_warehouse, Filters())
    early = now.filter(pl.col("days_in") < d.ONBOARDING_DAYS - 10)
    assert early.height > 0
    assert early["next_milestone"].null_count() == 0
    assert (early.filter(pl.col("days_late") == 0)["next_due_date"] >= DEMO_AS_OF).all()


def test_surveys_go_to_the_accounts_own_contacts():
    """An NPS answer or an onboarding survey comes from one of the account's contacts, so a signal's
    evidence (the NPS detractor) can name the person, not an address nobody in the account holds."""
    frames = generate(Shape(accounts=300, as_of=dt.date(2026, 1, 15), usage_days=7, health_weeks=2))
    people = frames["contacts"].select("account_id", pl.col("email").alias("contact_email"))
    for table in ("nps_responses", "onboarding_surveys"):
        answers = frames[table]
        assert answers.height > 0, table
        strangers = answers.join(people, on=["account_id", "contact_email"], how="anti")
        assert strangers.is_empty(), (table, strangers.head(3))


def test_the_detractor_evidence_names_the_person(demo_warehouse):
    """On the demo, every detractor the signal reports is named by the contact's name."""
    from queries import signals
    fired = signals.firing(demo_warehouse, Filters()).filter(pl.col("rule") == "nps_detractor")
    assert fired.height > 0
    assert not fired["evidence"].str.contains("@").any(), fired["evidence"].head(3).to_list()
