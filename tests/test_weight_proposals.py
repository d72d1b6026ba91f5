"""Health-weight proposals on both engines: versioned, attributed, kept as history, written once
per submitted form, refused (with a message, writing nothing) on bad input or without the right."""
import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as hst

from queries import db
from queries import weight_proposals as wp
from queries import writeback as wb
from queries.definitions import SCORE_CHECK_LEAD_DAYS, SCORE_CHECK_QUARTERS
from tests.builders import Book, count

AS_OF = dt.date(2026, 11, 23)
WEIGHTS = {"usage_score": 0.35, "sentiment_score": 0.20, "support_score": 0.15, "engagement_score": 0.20,
           "onboarding_score": 0.10}
CSM = wb.Writer("csm1@example.com", "csm", "A", 1)
LEAD = wb.Writer("csm10@example.com", "lead", "A", 10)
LEADER = wb.Writer("csm20@example.com", "leader", "Leadership", 20)
OPS = wb.Writer("csm30@example.com", "ops", "Operations", 30)
GOOD = {"usage_score": 0.5, "sentiment_score": 0.1, "support_score": 0.1, "engagement_score": 0.2,
        "onboarding_score": 0.1}


def build_book() -> Book:
    b = Book(AS_OF)
    for csm_id, team, role in ((1, "A", "csm"), (10, "A", "lead"), (20, "Leadership", "leader"),
                               (30, "Operations", "ops")):
        b.csm(csm_id, team=team, role=role, segment="smb" if role == "csm" else None)
    for component, weight in WEIGHTS.items():
        b.add("health_components", component=component, label=component, weight=weight, description=component)
    b.account(1)
    b.term(1, AS_OF - dt.timedelta(days=100), AS_OF + dt.timedelta(days=265), 10_000)
    b.health(1, AS_OF, 50.0, usage_score=50.0)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def proposals(wh) -> tuple[int, int]:
    return (count(wh, f"select count(*) from {wh.app_schema}.weight_proposals"),
            count(wh, f"select count(*) from {wh.app_schema}.weight_proposal_weights"))


def test_a_proposal_is_a_new_attributed_version_each_time(book):
    before = db.read_data_version(book)
    assert wp.save(book, OPS, GOOD, "  Usage tells renewals apart best.  ", 90, 4, submission="a" * 16) == 1
    assert wp.save(book, LEADER, WEIGHTS | {"usage_score": 0.30, "support_score": 0.20}, "Support matters",
                   180, 8) == 2
    assert db.read_data_version(book) == before + 2
    history = wp.history(book)
    first = history.filter(history["version"] == 1)
    assert dict(zip(first["component"], first["weight"])) == pytest.approx(GOOD)
    assert set(first["note"]) == {"Usage tells renewals apart best."}
    assert set(first["proposed_by"]) == {OPS.email} and set(first["proposed_by_name"]) == {"CSM 30"}
    assert set(first["lead_days"]) == {90} and set(first["quarters"]) == {4}
    assert history["version"].to_list()[0] == 2  # newest first
    assert proposals(book) == (2, 10)


def test_the_same_form_twice_writes_once(book):
    wp.save(book, OPS, GOOD, "once", 90, 4, submission="b" * 16)
    with pytest.raises(wb.AlreadySaved):
        wp.save(book, OPS, GOOD, "once", 90, 4, submission="b" * 16)
    assert proposals(book) == (1, 5)


BAD = {
    "a CSM": dict(writer=CSM),
    "a team lead": dict(writer=LEAD),
    "no note": dict(note="   "),
    "a note of zero-width spaces": dict(note="\u200b\u200b"),
    "a note with a NUL": dict(note="a\x00b"),
    "a note too long": dict(note="x" * (wp.NOTE_MAX + 1)),
    "weights not adding up": dict(weights=GOOD | {"usage_score": 0.6}),
    "a missing component": dict(weights={c: w for c, w in GOOD.items() if c != "onboarding_score"}),
    "an unknown component": dict(weights=GOOD | {"vibes_score": 0.0}),
    "a negative weight": dict(weights=GOOD | {"usage_score": 0.7, "sentiment_score": -0.1}),
    "a weight above 1": dict(weights={c: (1.5 if c == "usage_score" else -0.125) for c in GOOD}),
    "a bool weight": dict(weights=GOOD | {"onboarding_score": True, "usage_score": 0.0}),
    "a text weight": dict(weights=GOOD | {"usage_score": "0.5"}),
    "a NaN weight": dict(weights=GOOD | {"usage_score": math.nan}),
    "weights not a dict": dict(weights=list(GOOD.items())),
    "a look-back off the list": dict(lead_days=45),
    "a look-back as text": dict(lead_days="90"),
    "a span off the list": dict(quarters=3),
    "a span as a bool": dict(quarters=True),
    "a bad submission key": dict(submission="short"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_with_a_message_and_writes_nothing(book, case):
    call = dict(writer=OPS, weights=GOOD, note="why", lead_days=SCORE_CHECK_LEAD_DAYS[0],
                quarters=SCORE_CHECK_QUARTERS[0], submission=None) | BAD[case]
    before = db.read_data_version(book)
    with pytest.raises(wb.Rejected) as refusal:
        wp.save(book, call["writer"], call["weights"], call["note"], call["lead_days"], call["quarters"],
                submission=call["submission"])
    assert str(refusal.value) and not isinstance(refusal.value, wb.AlreadySaved)
    assert proposals(book) == (0, 0)
    assert db.read_data_version(book) == before


COMPONENTS = sorted(WEIGHTS)


def _percentages(draw_ints) -> dict:
    return {c: p / 100 for c, p in zip(COMPONENTS, draw_ints)}


@hst.composite
def weight_cases(draw):
    """(weights, good): five whole percentages adding up to 100, or the same broken one way."""
    cuts = sorted(draw(hst.lists(hst.integers(0, 100), min_size=4, max_size=4)))
    good = _percentages([b - a for a, b in zip([0, *cuts], [*cuts, 100])])
    how = draw(hst.sampled_from(["good", "off", "missing", "extra", "not a number", "negative"]))
    if how == "good":
        return good, True
    broken = dict(good)
    component = draw(hst.sampled_from(COMPONENTS))
    if how == "off":
        broken[component] += draw(hst.sampled_from([-1, 1])) * draw(hst.integers(1, 100)) / 100
    elif how == "missing":
        del broken[component]
    elif how == "extra":
        broken[draw(hst.text(min_size=1, max_size=12).filter(lambda t: t not in WEIGHTS))] = 0.0
    elif how == "not a number":
        broken[component] = draw(hst.sampled_from([None, "0.2", True, math.nan, math.inf, b"1", [0.2]]))
    else:
        broken[component], other = -0.25, next(c for c in COMPONENTS if c != component)
        broken[other] += 0.25
    return broken, False


def test_generated_weights_are_stored_exactly_or_refused_whole(book):
    """200 generated proposals, classified by how the test built them (never by asking the validator)."""
    saved = []

    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(weight_cases())
    def run(case):
        weights, good = case
        if good:
            assert wp.save(book, OPS, weights, "generated", 90, 4) == len(saved) + 1
            saved.append(weights)
        else:
            with pytest.raises(wb.Rejected):
                wp.save(book, OPS, weights, "generated", 90, 4)
        assert proposals(book) == (len(saved), 5 * len(saved))
    run()
    history = wp.history(book)
    for version, weights in enumerate(saved, start=1):
        mine = history.filter(history["version"] == version)
        assert dict(zip(mine["component"], mine["weight"])) == pytest.approx(weights)
    assert saved  # the generator made good proposals too
