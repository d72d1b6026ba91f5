"""How identity arrives: never anonymous outside the demo, a proxy header only with the proxy's secret."""
from pathlib import Path

import pytest
from streamlit.runtime.context import StreamlitHeaders
from streamlit.testing.v1 import AppTest

from components import identity
from components.identity import (PROXY_SECRET_ENV, PROXY_SECRET_MIN, TRUSTED_HEADER_ENV, UNSAFE_DEMO_ENV, Refused,
                                 proxy_email)
from queries.db import APP_SCHEMA_ENV, URL_ENV
from tests.apptest import keep_apptest_on_navigation

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SECRET = "s" * PROXY_SECRET_MIN


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)
    for name in (TRUSTED_HEADER_ENV, PROXY_SECRET_ENV, UNSAFE_DEMO_ENV):
        monkeypatch.delenv(name, raising=False)


def headers(*pairs):
    return StreamlitHeaders(pairs)


def test_the_proxy_email_needs_the_proxy_secret():
    email = ("X-Forwarded-Email", "ann@example.com")
    assert proxy_email(headers(email, ("X-Cockpit-Proxy-Secret", SECRET)), "X-Forwarded-Email",
                       "X-Cockpit-Proxy-Secret", SECRET) == "ann@example.com"
    for forged in (headers(email), headers(email, ("X-Cockpit-Proxy-Secret", SECRET[:-1] + "t")),
                   headers(email, ("X-Cockpit-Proxy-Secret", "")),
                   headers(email, ("X-Cockpit-Proxy-Secret", SECRET), ("X-Cockpit-Proxy-Secret", SECRET))):
        with pytest.raises(Refused, match="did not come through"):
            proxy_email(forged, "X-Forwarded-Email", "X-Cockpit-Proxy-Secret", SECRET)


@pytest.mark.parametrize("values", [
    [], ["ann@example.com", "boss@example.com"], ["boss@example.com, ann@example.com"], ["ann"],
    ["ann@example.com\x00"], ["<boss@example.com>"], ["ann@exa mple.com"], ["a" * 65 + "@example.com"],
])
def test_a_repeated_or_malformed_email_header_is_refused(values):
    pairs = [("X-Forwarded-Email", v) for v in values] + [("X-Cockpit-Proxy-Secret", SECRET)]
    with pytest.raises(Refused):
        proxy_email(headers(*pairs), "X-Forwarded-Email", "X-Cockpit-Proxy-Secret", SECRET)


@pytest.mark.parametrize("env, is_demo, mode", [
    ({}, True, "demo"),
    ({}, False, "setup"),
    ({UNSAFE_DEMO_ENV: "1"}, False, "demo"),
    ({UNSAFE_DEMO_ENV: "yes"}, False, "setup"),
    ({TRUSTED_HEADER_ENV: "X-Forwarded-Email"}, False, "setup"),  # a header without the proxy's secret
    ({TRUSTED_HEADER_ENV: "X-Forwarded-Email", PROXY_SECRET_ENV: "short"}, True, "setup"),
    ({TRUSTED_HEADER_ENV: "X-Forwarded-Email", PROXY_SECRET_ENV: SECRET}, False, "proxy"),
])
def test_sign_in_mode(monkeypatch, env, is_demo, mode):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert identity.sign_in_mode(is_demo) == mode


def _open(monkeypatch, wh, **env) -> AppTest:
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_a_real_warehouse_without_sign_in_shows_the_setup_page_and_no_data(demo_warehouses, monkeypatch):
    at = _open(monkeypatch, demo_warehouses("postgres"))
    assert "sign-in is not configured" in at.title[0].value
    assert not at.metric and not at.dataframe and not at.selectbox
    assert not [s for s in at.sidebar.selectbox if s.key == "identity_view_as"]


def test_the_unsafe_opt_in_says_so_on_every_page(demo_warehouses, monkeypatch):
    at = _open(monkeypatch, demo_warehouses("postgres"), **{UNSAFE_DEMO_ENV: "1"})
    for page in ("pages/portfolio.py", "pages/team.py"):
        at.switch_page(page)
        at.run()
        assert any("anyone can act as anyone" in w.value for w in at.warning)
        assert at.metric


def test_a_proxy_request_without_the_secret_sees_nothing(demo_warehouses, monkeypatch):
    at = _open(monkeypatch, demo_warehouses("postgres"),
               **{TRUSTED_HEADER_ENV: "X-Forwarded-Email", PROXY_SECRET_ENV: SECRET})
    assert any("did not come through" in e.value for e in at.error)
    assert not at.metric and not at.dataframe
