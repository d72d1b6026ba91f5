"""Health-weight proposals on both engines: versioned, attributed, kept as history, written once
per submitted form, refused (with a message, writing nothing) on bad input or without the right."""
import datetime as dt
import math

import pytest

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
