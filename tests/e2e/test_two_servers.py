"""Two app servers behind one nginx (the README's files in docs/deploy/), one PostgreSQL warehouse
and app schema: a browser stays on the server it started on, and a flag raised through one server
shows on the other at its next rerun, long before the cache's TTL. Debian's nginx, Chromium."""
from __future__ import annotations

import secrets
import time
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from components.identity import PROXY_SECRET_ENV, TRUSTED_HEADER_ENV
from queries import people
from queries.db import APP_SCHEMA_ENV, URL_ENV
from tests.conftest import PG_URL, least_privileged
from tests.e2e.browser import AppServer, after_action, metric_value, section, wait_for_app
from tests.e2e.nginx import Nginx, nginx_or_skip

PASSWORD = "pw-leader"


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, demo_warehouses):
    nginx_or_skip()
    home = tmp_path_factory.mktemp("two-servers")
    schema = f"e2e_two_{uuid.uuid4().hex[:8]}"
    wh = least_privileged(demo_warehouses("postgres"), app_schema=schema)
    staff = people.staff(wh)
    leader = staff.filter(staff["role"] == "leader").row(0, named=True)
    secret = secrets.token_hex(32)
    env = {URL_ENV: wh.url, APP_SCHEMA_ENV: schema, TRUSTED_HEADER_ENV: "X-Forwarded-Email",
           PROXY_SECRET_ENV: secret}
    apps = [AppServer(env, home / f"streamlit-{name}.log") for name in "ab"]
    proxy = Nginx(home, [app.port for app in apps], secret, {leader["email"]: PASSWORD})
    yield wh, apps, proxy, leader
    proxy.stop()
    for app in apps:
        app.stop()
    with sa.create_engine(PG_URL).begin() as conn:
        conn.exec_driver_sql(f"drop schema if exists {schema} cascade")


def _route_to(proxy: Nginx, port: int) -> str:
    """A route cookie that nginx's consistent hash sends to the app server on `port`."""
    for _ in range(200):
        route = secrets.token_hex(16)
        request = urllib.request.Request(f"{proxy.url}/_stcore/health", headers={"Cookie": f"cockpit_route={route}"})
        urllib.request.urlopen(request, timeout=10).close()
        if proxy.routes()[-1][:2] == (route, f"127.0.0.1:{port}"):
            return route
    raise AssertionError(f"no route found to port {port}")


def _browser_on(browser, proxy: Nginx, email: str, route: str | None):
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  http_credentials={"username": email, "password": PASSWORD})
    if route is not None:
        context.add_cookies([{"name": "cockpit_route", "value": route, "url": proxy.url}])
    return context


def _open(context, url: str):
    tab = context.new_page()
    tab.goto(url, timeout=60_000)
    wait_for_app(tab, timeout=120_000)
    return tab


def test_a_flag_raised_on_one_server_shows_on_the_other_at_its_next_rerun(browser, two_servers):
    wh, (a, b), proxy, leader = two_servers
    with wh.engine.connect() as conn:  # a live account with no flag yet
        account_id = conn.execute(sa.text("select account_id from account_snapshot where is_live "
                                          "order by arr desc limit 1")).scalar_one()
    account_url = f"{proxy.url}/account?account={account_id}"
    route_a, route_b = _route_to(proxy, a.port), _route_to(proxy, b.port)
    on_a = _browser_on(browser, proxy, leader["email"], route_a)
    on_b = _browser_on(browser, proxy, leader["email"], route_b)
    try:
        tab_b = _open(on_b, account_url)  # server B reads (and caches) the account before the write
        before = int(metric_value(tab_b, "Open risk flags"))

        tab_a = _open(on_a, account_url)
        section(tab_a, "Risk flags & churn tags")
        tab_a.get_by_label("Reason", exact=True).fill("Raised on server A")
        tab_a.get_by_role("button", name="Raise flag").click()
        after_action(tab_a)
        expect(tab_a.get_by_text("Risk flag raised", exact=False)).to_be_visible()
        assert int(metric_value(tab_a, "Open risk flags")) == before + 1

        tab_b.get_by_test_id("stHeading").first.click()  # B's same session reruns (Streamlit's "R" key):
        tab_b.keyboard.press("r")                          # no wait for the cache's TTL, no new session
        after_action(tab_b)
        assert int(metric_value(tab_b, "Open risk flags")) == before + 1
        section(tab_b, "Risk flags & churn tags")
        expect(tab_b.get_by_text("Raised on server A", exact=False).first).to_be_attached()
    finally:
        on_a.close()
        on_b.close()
    served = {(route, upstream) for route, upstream, _path in proxy.routes() if route in (route_a, route_b)}
    assert served == {(route_a, f"127.0.0.1:{a.port}"), (route_b, f"127.0.0.1:{b.port}")}


def test_nginx_keeps_a_browser_on_the_server_it_started_on(browser, two_servers):
    _wh, apps, proxy, leader = two_servers
    context = _browser_on(browser, proxy, leader["email"], route=None)
    try:
        tab = _open(context, proxy.url)
        tab.get_by_test_id("stSidebarNav").get_by_text("Renewals", exact=True).click()
        after_action(tab)
        tab.reload()
        wait_for_app(tab)
        route = {c["name"]: c["value"] for c in context.cookies()}["cockpit_route"]  # nginx gave one out
    finally:
        context.close()
    deadline = time.time() + 10  # nginx logs the websocket when it closes
    while not any(p == "/_stcore/stream" and r == route for r, _u, p in proxy.routes()) and time.time() < deadline:
        time.sleep(0.2)
    mine = [(upstream, path) for r, upstream, path in proxy.routes() if r == route]
    assert any(path == "/_stcore/stream" for _upstream, path in mine)  # the websocket went this way too
    assert len(mine) > 5 and len({upstream for upstream, _path in mine}) == 1
    assert mine[0][0] in {f"127.0.0.1:{app.port}" for app in apps}
