"""The Score check page through AppTest on the demo book, both engines: its tiles and tables are the
query functions' numbers, the demo reads sensibly (red renews far less than green), and the what-if
recomputes and saves a proposal as CS operations, refusing bad weights with a message."""
import pytest

from components import kpi
from queries import score_check as sc
from queries import weight_proposals as wp
from queries.definitions import SCORE_CHECK_LEAD_DAYS, SCORE_CHECK_QUARTERS
from queries.scope import Filters
from tests.apptest import form_key, keep_apptest_on_navigation, submit_key
from tests.builders import count
from tests.conftest import DEMO_AS_OF
from tests.test_app import on_page, tile, view_as

PAGE = "pages/score_check.py"
QUARTERS, LEAD = SCORE_CHECK_QUARTERS[0], SCORE_CHECK_LEAD_DAYS[0]


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)


def pp(value) -> str:
    return f"{value * 100:+.1f} pp"


def test_the_page_shows_the_queries_numbers_and_red_renews_less_than_green(backend, demo_warehouse, monkeypatch):
    at = on_page(monkeypatch, demo_warehouse, PAGE)
    assert not at.exception and not at.error
    bands = {r["band"]: r for r in sc.bands(demo_warehouse, Filters(), DEMO_AS_OF, QUARTERS, LEAD).iter_rows(named=True)}
    base = sc.base_rates(demo_warehouse, Filters(), DEMO_AS_OF, QUARTERS, LEAD)
    assert tile(at, "Renewals decided") == kpi.number(base["decided"])
    assert tile(at, "Green renews") == kpi.percent(bands["green"]["logo_renewal_rate"])
    assert tile(at, "Red renews") == kpi.percent(bands["red"]["logo_renewal_rate"])
    assert tile(at, "Spread, logo") == pp(bands["green"]["logo_spread"])
    # the demo book reads sensibly: the score told them apart, on enough renewals to mean it
    assert bands["red"]["logo_renewal_rate"] < bands["yellow"]["logo_renewal_rate"] < bands["green"]["logo_renewal_rate"]
    assert bands["red"]["grr"] < bands["green"]["grr"]
    assert not bands["red"]["small_sample"] and not bands["green"]["small_sample"]
    shown = next(d.value for d in at.dataframe if "logo_renewal_rate" in d.value.columns)
    assert list(shown["band"]) == ["Red", "Yellow", "Green", "No score"]
    assert list(shown["decided"]) == [bands[b]["decided"] for b in ("red", "yellow", "green", "no score")]
    assert not [d for d in at.dataframe if "recall" in d.value.columns]  # the signals have a view of their own

    at.button_group(key="score_check_view").set_value("Signals")
    at.run()
    assert not at.exception and not at.error
    hits = sc.signal_hits(demo_warehouse, Filters(), DEMO_AS_OF, QUARTERS, LEAD)
    signals = next(d.value for d in at.dataframe if "recall" in d.value.columns)
    assert list(signals["evaluated"]) == hits["evaluated"].to_list()
    assert list(signals["fired"]) == hits["fired"].to_list()
    assert any("Rules not checked here" in e.label for e in at.expander)
    # on the demo book every rule judged flags renewals that then churn or shrink more often than not
    assert (hits["precision"] > base["bad"] / base["decided"]).all()


def test_another_span_and_look_back(backend, demo_warehouse, monkeypatch):
    at = on_page(monkeypatch, demo_warehouse, PAGE)
    at.button_group(key="score_check_quarters").set_value(8)
    at.button_group(key="score_check_lead_days").set_value(180)
    at.run()
    assert not at.exception
    bands = {r["band"]: r for r in sc.bands(demo_warehouse, Filters(), DEMO_AS_OF, 8, 180).iter_rows(named=True)}
    assert tile(at, "Red renews") == kpi.percent(bands["red"]["logo_renewal_rate"])
    assert bands["red"]["logo_renewal_rate"] < bands["green"]["logo_renewal_rate"]


def test_what_if_recomputes_and_cs_operations_save_a_proposal(backend, writable_demo, monkeypatch):
    at, ops = view_as(monkeypatch, writable_demo, "ops")
    at.switch_page(PAGE)
    at.run()
    at.button_group(key="score_check_view").set_value("What-if weights")
    at.run()
    assert not at.exception and not at.error
    proposal = {"usage_score": 60, "sentiment_score": 10, "support_score": 10, "engagement_score": 10,
                "onboarding_score": 10}
    for component, weight in proposal.items():
        at.number_input(key=f"score_check_weight_{component}").set_value(weight)
    at.button(key="FormSubmitter:score_check_weights-Recompute").click()
    at.run()
    frame = sc.what_if(writable_demo, Filters(), DEMO_AS_OF, QUARTERS, LEAD,
                       tuple(sorted((c, w / 100) for c, w in proposal.items())))
    now = frame.filter(frame["weights"] == "current").row(0, named=True)
    new = frame.filter(frame["weights"] == "proposed").row(0, named=True)
    assert tile(at, "Now: Spread, logo") == pp(now["logo_spread"])
    assert tile(at, "Proposed: Spread, logo") == pp(new["logo_spread"])

    at.text_area(key=form_key(at, "weight_proposal", "note")).set_value("Usage foretells renewals best")
    at.button(key=submit_key(at, "weight_proposal", "Save proposal")).click()
    at.run()
    assert not at.exception and not at.error
    assert any("Proposal saved" in s.value for s in at.success)
    saved = wp.history(writable_demo)
    assert set(saved["version"]) == {1} and set(saved["proposed_by"]) == {ops["email"]}
    assert dict(zip(saved["component"], saved["weight"])) == pytest.approx({c: w / 100 for c, w in proposal.items()})
    shown = next(d.value for d in at.dataframe if "version" in d.value.columns)
    assert list(shown["note"]) == ["Usage foretells renewals best"]

    at.number_input(key="score_check_weight_usage_score").set_value(80)  # now 120% in all
    at.button(key="FormSubmitter:score_check_weights-Recompute").click()
    at.run()
    at.text_area(key=form_key(at, "weight_proposal", "note")).set_value("too much")
    at.button(key=submit_key(at, "weight_proposal", "Save proposal")).click()
    at.run()
    assert any("they must add up to" in e.value for e in at.error)  # (shown through md(): escaped)
    assert count(writable_demo, f"select count(*) from {writable_demo.app_schema}.weight_proposals") == 1


def test_a_csm_sees_the_what_if_but_cannot_save(backend, writable_demo, monkeypatch):
    at, _csm = view_as(monkeypatch, writable_demo, "csm")
    at.switch_page(PAGE)
    at.run()
    at.button_group(key="score_check_view").set_value("What-if weights")
    at.run()
    assert not at.exception and not at.error
    assert not [f for f in at.text_area if "weight_proposal" in (f.key or "")]
    assert any("CS operations and leadership can save" in c.value for c in at.caption)


def _book_without_decided_renewals():
    from tests.builders import Book
    b = Book(DEMO_AS_OF)
    b.csm(1, team="Scale")
    b.account(1)
    b.health(1, DEMO_AS_OF, 55.0)
    b.term(1, DEMO_AS_OF.replace(year=DEMO_AS_OF.year - 1), DEMO_AS_OF.replace(year=DEMO_AS_OF.year + 1), 100)
    return b


@pytest.mark.parametrize("view", ["Score check", "Signals", "What-if weights"])
def test_no_decided_renewal_in_the_span_says_so_in_every_view(backend, hand_built, monkeypatch, view):
    wh = hand_built(backend, _book_without_decided_renewals)
    assert not sc.any_decided(wh, Filters(), DEMO_AS_OF, QUARTERS, LEAD)
    at = on_page(monkeypatch, wh, PAGE, view)
    assert not at.exception and not at.error
    assert any("nothing to check the score against" in i.value for i in at.info)
    assert not at.dataframe and not at.metric


def test_a_decided_renewal_is_found_by_the_same_filters_as_the_counts(backend, demo_warehouse):
    nobody = Filters(csm_ids=(-1,))
    assert sc.any_decided(demo_warehouse, Filters(), DEMO_AS_OF, QUARTERS, LEAD)
    assert sc.base_rates(demo_warehouse, nobody, DEMO_AS_OF, QUARTERS, LEAD)["decided"] in (0, None)
    assert not sc.any_decided(demo_warehouse, nobody, DEMO_AS_OF, QUARTERS, LEAD)
