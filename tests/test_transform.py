"""The dbt project (transform/) on both engines: `dbt build` is green on the demo book, and its
tests are the contract's guard: they fail on a book that breaks a key, a reference, a code or an
invariant, and the marts never carry a fact dated after the as-of day."""
import datetime as dt
import shutil

import pytest
import sqlalchemy as sa

from queries import signals
from queries.definitions import dbt_vars
from queries.scope import Filters
from tests.builders import Book, days, stamp
from warehouse.transform import DbtFailed, run_dbt

AS_OF = dt.date(2026, 11, 23)


def test_dbt_build_is_green_on_the_demo_book(demo_warehouse, tmp_path):
    """The session's demo book was built by `dbt build`; its tests pass again on their own.

    On DuckDB they run on a checkpointed copy: dbt opens the file with config of its own, which
    DuckDB refuses while any connection of this process (an earlier test's) still holds it."""
    url = demo_warehouse.url
    if demo_warehouse.kind == "duckdb":
        with demo_warehouse.engine.connect() as conn:
            conn.exec_driver_sql("checkpoint")
        copy = tmp_path / "demo_copy.duckdb"
        shutil.copyfile(sa.make_url(url).database, copy)
        url = f"duckdb:///{copy}"
    run = run_dbt(url, "test", variables=dbt_vars())
    assert run.tests >= 100, run  # keys, references and codes of every table, and the invariants
    assert run.failures == []


def small_book(as_of: dt.date = AS_OF) -> Book:
    b = Book(as_of)
    b.csm(1, team="Scale")
    b.add("health_components", component="usage_score", label="Usage", weight=1.0, description="usage")
    b.account(1)
    b.term(1, as_of - days(200), as_of + days(164), 10_000)
    b.health(1, as_of, 60.0, usage_score=60.0)
    return b


@pytest.mark.parametrize("breakage, failing_test", [
    ("a term of an account that does not exist", "relationships_contract_contracts_account_id"),
    ("a segment outside the taxonomy", "accepted_values_contract_accounts_segment"),
    ("a day of usage loaded twice", "unique_combination_contract_usage_daily_account_id__day"),
])
def test_the_contract_tests_fail_on_a_broken_book(empty_warehouse, breakage, failing_test):
    b = small_book()
    if breakage.startswith("a term"):
        b.term(99, AS_OF - days(10), AS_OF + days(355), 5_000)
    elif breakage.startswith("a segment"):
        b.account(2, segment="enterprise")
    else:
        b.usage(1, AS_OF, active_users=3)
        b.usage(1, AS_OF, active_users=3)
    wh = b.write(empty_warehouse)
    with pytest.raises(DbtFailed, match=failing_test):
        run_dbt(wh.url, "test", variables=dbt_vars())


def test_the_marts_stop_at_the_as_of_day(empty_warehouse):
    """The newest weekly health snapshot (the as-of day) may lag the daily tables: tickets opened and
    NPS answers given after it are not yet known on it, so no mart counts them and no signal fires
    on them; the invariant test of dbt agrees."""
    snapshot_day = AS_OF - days(3)
    b = small_book(snapshot_day)
    b.activity(1, "call", snapshot_day - days(1))
    for n, back in enumerate([5, 4, 2, 1, 0, -1, -2, -3]):  # five tickets by the snapshot, three after
        b.add("support_tickets", ticket_id=n + 1, account_id=1, opened_at=stamp(snapshot_day - days(back)),
              closed_at=None, priority="normal")
    for n, (back, score) in enumerate([(40, 9), (-2, 3)]):  # a detractor answer after the snapshot
        b.add("nps_responses", survey_id=n + 1, account_id=1, contact_email="kim@c.example",
              sent_at=stamp(snapshot_day - days(back + 1)), responded_at=stamp(snapshot_day - days(back)),
              score=score, comment=None)
    wh = b.write(empty_warehouse, dbt_command="build")  # the invariant tests pass too
    with wh.engine.connect() as conn:
        row = conn.execute(sa.text("select as_of, tickets_7d, tickets_30d, open_tickets, last_nps_score "
                                   "from account_snapshot")).one()
    assert row == (snapshot_day, 5, 5, 5, 9)
    fired = signals.firing(wh, Filters())
    assert set(fired["rule"]) == {"ticket_burst"}
    assert fired.row(0, named=True)["value"] == 5


def test_the_as_of_day_is_a_var(empty_warehouse):
    """`--vars {cs_cockpit_as_of: ...}` describes an earlier day: facts after it stay out."""
    b = small_book()
    b.health(1, AS_OF - days(7), 50.0, usage_score=50.0)
    wh = b.write(empty_warehouse)
    wh.engine.dispose()
    run_dbt(wh.url, "build", variables=dbt_vars(), as_of=AS_OF - days(7))
    with wh.engine.connect() as conn:
        assert conn.execute(sa.text("select as_of, health_score from account_snapshot")).one() == \
            (AS_OF - days(7), 50.0)


def test_the_dbt_projects_defaults_are_the_apps_definitions():
    """A data team's own `dbt build` (no vars passed: `python -m warehouse.refresh`, a scheduler)
    builds the marts the app's builds do: the project's defaults equal definitions.dbt_vars(), which
    the app passes, and dbt_vars() is built from the definitions' constants."""
    import yaml

    from queries import definitions as d
    from warehouse.transform import PROJECT

    defaults = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]
    passed = d.dbt_vars()
    assert {k: defaults[k] for k in passed} == passed
    assert passed["cs_cockpit_as_of"] is None and d.dbt_vars(AS_OF)["cs_cockpit_as_of"] == AS_OF.isoformat()
    assert (passed["cs_cockpit_recent_days"], passed["cs_cockpit_usage_baseline_days"],
            passed["cs_cockpit_sudden_drop_prior_days"], passed["cs_cockpit_seat_window_days"]) == \
        (d.RECENT_DAYS, d.USAGE_BASELINE_DAYS, d.SUDDEN_DROP_PRIOR_DAYS, d.SEAT_WINDOW_DAYS)
    assert passed["cs_cockpit_sudden_drop_min_users"] == d.SUDDEN_DROP_MIN_USERS
    assert (passed["cs_cockpit_detractor_up_to"], passed["cs_cockpit_weak_new_user_views_below"],
            passed["cs_cockpit_new_user_first_week_days"]) == \
        (d.DETRACTOR_UP_TO, d.WEAK_NEW_USER_VIEWS_BELOW, d.NEW_USER_FIRST_WEEK_DAYS)
    assert passed["cs_cockpit_score_check_lead_days"] == list(d.SCORE_CHECK_LEAD_DAYS)
    assert passed["cs_cockpit_score_check_score_max_age_days"] == d.SCORE_CHECK_SCORE_MAX_AGE_DAYS


def test_the_windows_reach_the_marts_as_vars(empty_warehouse):
    """The measures' windows are the vars the app passes, not numbers of the models' own: with a
    recent window of 3 days instead of 7, the snapshot and the daily marts count 3 days."""
    b = small_book()
    for back in range(10):
        b.usage(1, AS_OF - days(back), active_users=2, key_events=10 if back < 3 else 0)
        b.add("support_tickets", ticket_id=back + 1, account_id=1, opened_at=stamp(AS_OF - days(back)),
              closed_at=None, priority="normal")
    wh = b.write(empty_warehouse)
    wh.engine.dispose()
    run_dbt(wh.url, "build", variables={**dbt_vars(), "cs_cockpit_recent_days": 3})
    with wh.engine.connect() as conn:
        assert conn.execute(sa.text("select key_events_7d, tickets_7d from account_snapshot")).one() == (10.0, 3)
        assert conn.execute(sa.text("select key_events_7d from usage_rolling_daily where day = :d"),
                            {"d": AS_OF}).scalar_one() == 10.0
        assert conn.execute(sa.text("select opened_7d from support_tickets_daily where day = :d"),
                            {"d": AS_OF}).scalar_one() == 3


def test_grace_of_an_open_renewal_ends_the_day_before_the_next_term(empty_warehouse):
    """A renewal still open on the as-of day (closed after it) keeps its term carrying ARR past the
    end, but only until the next term starts: the day before it, never beside it. Account 1's next
    term follows at once, account 2's after a gap of 10 days; account 3 has no next term, so its
    grace runs through the as-of day."""
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    for account_id in (1, 2, 3):
        b.account(account_id)
        b.health(account_id, AS_OF, 60.0)  # the newest snapshot day is the as-of day
    ended = AS_OF - days(30)
    first = b.term(1, ended - days(364), ended, 10_000)
    b.renewal(first, "renewed", arr_renewed=12_000, closed=AS_OF + days(5))
    b.term(1, ended + days(1), ended + days(365), 12_000, term_type="renewal")
    second = b.term(2, ended - days(364), ended, 20_000)
    b.renewal(second, "renewed", arr_renewed=20_000, closed=AS_OF + days(5))
    b.term(2, ended + days(11), ended + days(375), 20_000, term_type="renewal")
    third = b.term(3, ended - days(364), ended, 5_000)
    b.renewal(third, None)
    wh = b.write(empty_warehouse)
    with wh.engine.connect() as conn:
        through = dict(conn.execute(sa.text(
            "select contract_id, carries_arr_through from contract_terms where contract_id in (1, 3, 5)")).all())
        arr_on = {day: dict(conn.execute(sa.text(
            "select account_id, sum(t.arr) from contract_terms as t "
            "where t.carries_arr_from <= :day and t.carries_arr_through >= :day "
            "group by account_id"), {"day": day}).all()) for day in (ended + days(1), ended + days(10), AS_OF)}
    assert through == {1: ended, 3: ended + days(10), 5: AS_OF}
    assert arr_on[ended + days(1)] == {1: 12_000, 2: 20_000, 3: 5_000}
    assert arr_on[ended + days(10)] == {1: 12_000, 2: 20_000, 3: 5_000}
    assert arr_on[AS_OF] == {1: 12_000, 2: 20_000, 3: 5_000}


def test_dbt_docs_generate_documents_every_mart(empty_warehouse):
    """`dbt docs generate` works on both engines: the catalog holds every mart with its columns
    as the warehouse has them (what `dbt docs serve` shows a data team)."""
    import json

    wh = small_book().write(empty_warehouse)
    run = run_dbt(wh.url, "docs generate", variables=dbt_vars())
    catalog = json.loads((run.target / "catalog.json").read_text())
    manifest = json.loads((run.target / "manifest.json").read_text())
    marts = {n["name"] for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["config"]["materialized"] in ("table", "view")}
    documented = {n["metadata"]["name"].lower(): n for n in catalog["nodes"].values()}
    assert {"account_snapshot", "contract_terms", "onboarding_milestones_as_of"} <= marts
    assert marts <= set(documented)
    assert "carries_arr_through" in {c.lower() for c in documented["contract_terms"]["columns"]}
    assert catalog["errors"] is None
