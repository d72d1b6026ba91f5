"""Two people of one name stay two people in every picker: Streamlit keeps a selectbox's value as
the label it shows, so a lead who opens the first Ana Varga's book must not get the second's on the
next rerun (nor assign a follow-up to her, nor act as her in the demo)."""
import datetime as dt

import pytest

from components.state import distinct_labels
from tests.apptest import app_on
from tests.builders import Book, days

AS_OF = dt.date(2026, 11, 23)
LEAD = "lee.lead@example.com"


def build_book() -> Book:
    b = Book(AS_OF)
    b.add("csms", csm_id=9, name="Lee Lead", email=LEAD, team="North", role="lead", segment=None, manager_id=None)
    for csm_id in (1, 2):  # one name, two people of one team
        b.add("csms", csm_id=csm_id, name="Ana Varga", email=f"ana.varga{csm_id}@example.com", team="North",
              role="csm", segment="smb", manager_id=9)
    b.add("health_components", component="usage_score", label="Usage", weight=1.0, description="usage")
    for account_id in (1, 2):  # each Ana has one account, named after her id
        b.account(account_id, csm_id=account_id)
        b.renewal(b.term(account_id, AS_OF - days(100), AS_OF + days(265), 1000 * account_id), outcome=None)
        b.health(account_id, AS_OF, 60.0, usage_score=60.0)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def test_a_shared_label_carries_its_option():
    assert distinct_labels({1: "Ana Varga", 2: "Ana Varga", 3: "Bo Li"}) == \
        {1: "Ana Varga · 1", 2: "Ana Varga · 2", 3: "Bo Li"}
    assert distinct_labels({"a@x": "Ana · CSM", "b@x": "Bo · CSM"}) == {"a@x": "Ana · CSM", "b@x": "Bo · CSM"}


def test_the_first_of_two_namesakes_keeps_her_book_across_reruns(book, monkeypatch):
    at = app_on(book, monkeypatch)
    at.run()
    at.selectbox(key="identity_view_as").set_value(LEAD)
    at.run()
    at.switch_page("pages/my_accounts.py")
    at.run()
    picker = at.selectbox(key="my_accounts_csm")
    assert set(picker.options) == {"Ana Varga · 1", "Ana Varga · 2"}
    for chosen in (1, 2, 1):
        at.selectbox(key="my_accounts_csm").set_value(chosen)
        at.run()
        at.run()  # and once more, as any click on the page reruns it
        assert not at.exception and not at.error
        assert at.selectbox(key="my_accounts_csm").value == chosen
        shown = [name for frame in at.dataframe if "name" in frame.value.columns for name in frame.value["name"]]
        assert shown and set(shown) == {f"Account {chosen}"}
