"""The renewal forecast write-back on both backends: a valid write is attributed and versioned,
a change is a new version (the old one untouched), bad input and the wrong writer are refused with
a message and nothing written, and a form submitted twice writes once."""
import datetime as dt
import decimal
import re

import pytest

from queries import forecasts, writeback as wb
from queries.db import read_data_version
from tests.builders import Book, count, days
from tests.test_writeback import CSM1, CSM3, LEAD_A, LEADER, OPS  # the people of every write-back book

AS_OF = dt.date(2026, 11, 23)
KEY = "f" * 32


def build_book() -> Book:
    b = Book(AS_OF)
    for csm_id, team, role in ((1, "A", "csm"), (2, "A", "csm"), (3, "B", "csm"), (10, "A", "lead"),
                               (20, "Leadership", "leader"), (30, "Operations", "ops")):
        b.csm(csm_id, team=team, role=role, segment="smb" if role == "csm" else None)
    for account_id, csm_id in ((1, 1), (2, 2), (3, 3), (4, 1)):
        b.account(account_id, csm_id=csm_id)
        b.health(account_id, AS_OF, 60.0)  # the marts describe the newest snapshot day
    for account_id, arr in ((1, 10_000), (2, 20_000), (3, 30_000)):  # renewals 1-3: open, due in 40 days
        b.renewal(b.term(account_id, AS_OF - days(325), AS_OF + days(40), arr), None, forecast="likely")
    lost = b.term(4, AS_OF - days(400), AS_OF - days(35), 40_000, status="churned")
    b.renewal(lost, "churned", 0, AS_OF - days(30))  # renewal 4: decided
    b.account(5, csm_id=1)
    b.health(5, AS_OF, 60.0)
    later = b.term(5, AS_OF - days(362), AS_OF + days(3), 50_000)
    b.renewal(later, "renewed", 50_000, AS_OF + days(2), forecast="commit", stage="closed")  # renewal 5
    b.account(6, csm_id=1)
    b.health(6, AS_OF, 60.0)
    b.renewal(b.term(6, AS_OF + days(5), AS_OF + days(370), 60_000), None)  # renewal 6: its term starts later
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def versions(wh) -> int:
    return count(wh, f"select count(*) from {wh.app_schema}.renewal_forecasts")


def test_a_forecast_is_attributed_and_a_change_is_a_new_version(book):
    before = read_data_version(book)
    assert forecasts.record_forecast(book, CSM1, 1, "likely", 9_000, "  Budget confirmed\r\n ") == 1
    assert read_data_version(book) == before + 1  # every server's cached reads go stale
    assert forecasts.record_forecast(book, CSM1, 1, "at_risk", 4_500.256, None) == 2
    history = forecasts.history(book, 1)
    assert history["version"].to_list() == [2, 1]
    assert history["csm_forecast"].to_list() == ["at_risk", "likely"]
    assert history["expected_arr"].to_list() == [4_500.26, 9_000.0]  # kept to the cent
    assert history["note"].to_list() == [None, "Budget confirmed"]  # the first version as it was written
    assert set(history["by_user"]) == {"csm1@example.com"} and set(history["by_name"]) == {"CSM 1"}
    latest = forecasts.open_renewals(book, 1).row(0, named=True)
    assert (latest["renewal_id"], latest["csm_forecast"], latest["expected_arr"], latest["version"]) == (
        1, "at_risk", 4_500.26, 2)


def test_the_same_forecast_again_writes_nothing(book):
    forecasts.record_forecast(book, CSM1, 1, "commit", 10_000, "On track")
    with pytest.raises(wb.Rejected, match="already the renewal's latest forecast"):
        forecasts.record_forecast(book, LEAD_A, 1, "commit", 10_000.0, "On track")
    assert versions(book) == 1
    assert forecasts.record_forecast(book, LEAD_A, 1, "commit", 10_000, "On track, signed quote") == 2


BAD = {
    "unknown category": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "maybe", 1_000, None),
    "category by its label": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "Commit", 1_000, None),
    "no category": lambda wh: forecasts.record_forecast(wh, LEADER, 1, None, 1_000, None),
    "negative ARR": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", -1, None),
    "ARR as text": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", "9000", None),
    "ARR True": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", True, None),
    "ARR not a number": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", float("nan"), None),
    "ARR infinite": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", float("inf"), None),
    "ARR as Decimal": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", decimal.Decimal(5), None),
    "ARR none": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", None, None),
    "ARR past the guard": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely",
                                                               forecasts.EXPECTED_ARR_MAX + 1, None),
    "will churn with ARR": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "will_churn", 5_000, None),
    "too-long note": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", 1, "n" * (wb.NOTE_MAX + 1)),
    "NUL in the note": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", 1, "a\x00b"),
    "renewal id as text": lambda wh: forecasts.record_forecast(wh, LEADER, "1", "likely", 1, None),
    "renewal id a float": lambda wh: forecasts.record_forecast(wh, LEADER, 1.0, "likely", 1, None),
    "unknown renewal": lambda wh: forecasts.record_forecast(wh, LEADER, 999, "likely", 1, None),
    "decided renewal": lambda wh: forecasts.record_forecast(wh, LEADER, 4, "likely", 1, None),
    "renewal of a term not begun": lambda wh: forecasts.record_forecast(wh, LEADER, 6, "likely", 1, None),
    "bad submission key": lambda wh: forecasts.record_forecast(wh, LEADER, 1, "likely", 1, None, submission="x"),
}
MESSAGES = {"unknown category": "Choose the forecast category: commit, likely, at risk or will churn.",
            "negative ARR": "cannot be negative", "ARR as text": "must be a number of dollars",
            "too-long note": "The note is too long", "will churn with ARR": "set the expected ARR to 0",
            "decided renewal": "This renewal is decided (churned",
            "renewal of a term not begun": "This renewal is not open on the as-of day"}


def test_bad_input_is_refused_with_a_message_and_writes_nothing(book, subtests):
    forecasts.record_forecast(book, LEADER, 2, "likely", 1, None)  # something there to stay unchanged
    for case, write in BAD.items():
        with subtests.test(case):
            before = (versions(book), read_data_version(book))
            with pytest.raises(wb.Rejected, match=re.escape(MESSAGES[case]) if case in MESSAGES else None):
                write(book)
            assert (versions(book), read_data_version(book)) == before


def test_a_renewal_decided_after_the_as_of_day_takes_a_forecast(book):
    """"Open" is one rule (contract_terms.renewal_open, read through definitions.renewal_still_open):
    renewal 5 was decided two days after the as-of day, so on that day it was open. The account page
    lists it as open, and the form it shows there records a forecast on it; renewal 4, decided by the
    as-of day, stays refused."""
    assert forecasts.open_renewals(book, 5)["renewal_id"].to_list() == [5]
    assert forecasts.record_forecast(book, CSM1, 5, "commit", 50_000, "Signed") == 1
    latest = forecasts.open_renewals(book, 5).row(0, named=True)
    assert (latest["csm_forecast"], latest["expected_arr"], latest["version"]) == ("commit", 50_000.0, 1)
    assert forecasts.open_renewals(book, 4).is_empty()
    with pytest.raises(wb.Rejected, match=re.escape("This renewal is decided (churned")):
        forecasts.record_forecast(book, CSM1, 4, "likely", 1, None)
    assert versions(book) == 1


@pytest.mark.parametrize("writer, renewal_id, allowed", [
    (CSM1, 1, True), (CSM1, 2, False), (CSM1, 3, False), (CSM3, 3, True),
    (LEAD_A, 2, True), (LEAD_A, 3, False), (LEADER, 3, True), (OPS, 2, True),
])
def test_who_may_forecast_which_renewal(book, writer, renewal_id, allowed):
    if allowed:
        assert forecasts.record_forecast(book, writer, renewal_id, "commit", 1_000, None) == 1
    else:
        with pytest.raises(wb.Rejected, match="only on your own accounts"):
            forecasts.record_forecast(book, writer, renewal_id, "commit", 1_000, None)
    assert versions(book) == int(allowed)


def test_a_form_submitted_twice_writes_once(book):
    assert forecasts.record_forecast(book, CSM1, 1, "likely", 9_000, None, submission=KEY) == 1
    with pytest.raises(wb.AlreadySaved):
        forecasts.record_forecast(book, CSM1, 1, "commit", 10_000, None, submission=KEY)  # the same form again
    assert versions(book) == 1
    assert forecasts.history(book, 1)["csm_forecast"].to_list() == ["likely"]
