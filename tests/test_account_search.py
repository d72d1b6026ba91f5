"""Account search: results say health, ARR and renewal; a new search clears a bad link's warning."""
import pytest

from queries import account
from queries.scope import Filters
from tests.apptest import keep_apptest_on_navigation
from tests.test_app import open_app, warnings


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)


def test_search_results_carry_health_arr_and_renewal(backend, demo_warehouse):
    found = account.search(demo_warehouse, Filters(), "pine")
    assert found.height and all("pine" in n.lower() for n in found["name"])
    assert {"health_score", "health_band", "arr", "renewal_due_date"} <= set(found.columns)
    assert found["arr"].to_list() == sorted(found["arr"].to_list(), reverse=True)


def test_the_search_box_commits_as_you_type(demo_warehouses, monkeypatch):
    at = open_app(monkeypatch, demo_warehouses("duckdb").url, demo_warehouses("duckdb").app_schema)
    at.switch_page("pages/account.py").run()
    box = at.text_input(key="account_search")
    assert box.proto.live_debounce_ms > 0, "the search should commit after a typing pause, not on Enter"


@pytest.mark.parametrize("link", ["abc", "99999999"])
def test_a_new_search_clears_the_bad_links_warning(demo_warehouses, monkeypatch, link):
    wh = demo_warehouses("duckdb")
    at = open_app(monkeypatch, wh.url, wh.app_schema)
    at.switch_page("pages/account.py")
    at.query_params["account"] = link
    at.run()
    assert warnings(at)
    at.text_input(key="account_search").input("pine").run()
    assert not at.exception and not warnings(at)
    shown = next(d.value for d in at.dataframe if "name" in d.value.columns)
    expected = account.search(wh, Filters(stages=("onboarding", "adoption", "renewal")), "pine")
    assert list(shown["account_id"]) == expected["account_id"].to_list()
    assert {"health_score", "arr", "renewal_due_date"} <= set(shown.columns)
