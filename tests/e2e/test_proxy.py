"""Sign-in through an authenticating proxy: the README's nginx configuration, Debian's nginx, the
app as its least-privileged role, Chromium. The proxy's word counts; a client's forged header does
not, through nginx or straight to Streamlit's port."""
from __future__ import annotations

import secrets
import uuid

import pytest
import sqlalchemy as sa

from components.identity import PROXY_SECRET_ENV, TRUSTED_HEADER_ENV
from queries import people
from queries.db import APP_SCHEMA_ENV, URL_ENV
from tests.conftest import PG_URL, least_privileged
from tests.e2e.browser import AppServer, wait_for_app
from tests.e2e.nginx import Nginx, nginx_or_skip


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, demo_warehouses):
    nginx_or_skip()
    home = tmp_path_factory.mktemp("proxy")
    schema = f"e2e_proxy_{uuid.uuid4().hex[:8]}"
    wh = least_privileged(demo_warehouses("postgres"), app_schema=schema)
    staff = people.staff(wh)
    secret = secrets.token_hex(32)
    app = AppServer({URL_ENV: wh.url, APP_SCHEMA_ENV: schema, TRUSTED_HEADER_ENV: "X-Forwarded-Email",
                     PROXY_SECRET_ENV: secret}, home / "streamlit.log")
    lead = staff.filter(staff["role"] == "lead").row(0, named=True)
    leader = staff.filter(staff["role"] == "leader").row(0, named=True)
    proxy = Nginx(home, [app.port], secret, {lead["email"]: "pw-lead"})
    yield app, proxy, lead, leader, secret
    proxy.stop()
    app.stop()
    with sa.create_engine(PG_URL).begin() as conn:
        conn.exec_driver_sql(f"drop schema if exists {schema} cascade")


def _open(browser, url: str, **context):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, **context)
    tab = ctx.new_page()
    tab.goto(url, timeout=60_000)
    wait_for_app(tab, timeout=120_000)
    return ctx, tab


def test_through_nginx_the_proxys_user_is_signed_in_and_a_forged_header_is_ignored(browser, proxied):
    app, proxy, lead, leader, _secret = proxied
    ctx, tab = _open(browser, proxy.url, http_credentials={"username": lead["email"], "password": "pw-lead"},
                     extra_http_headers={"X-Forwarded-Email": leader["email"]})
    try:
        sidebar = tab.get_by_test_id("stSidebar").inner_text()
        assert f"Signed in as {lead['name']} (Team lead)" in sidebar
        assert leader["name"] not in sidebar
        assert tab.get_by_test_id("stMetric").count() > 0
        assert tab.get_by_test_id("stSelectbox").filter(has_text="View as").count() == 0
    finally:
        ctx.close()


@pytest.mark.parametrize("secret_sent", [None, "wrong", "right"])
def test_straight_to_streamlit_the_email_header_needs_the_proxys_secret(browser, proxied, secret_sent):
    app, _proxy, _lead, leader, secret = proxied
    headers = {"X-Forwarded-Email": leader["email"]}
    if secret_sent:
        headers["X-Cockpit-Proxy-Secret"] = secret if secret_sent == "right" else secrets.token_hex(32)
    ctx, tab = _open(browser, app.url, extra_http_headers=headers)
    try:
        text = tab.get_by_test_id("stApp").inner_text()
        if secret_sent == "right":  # the header does reach the app: the refusals below are real
            assert f"Signed in as {leader['name']}" in tab.get_by_test_id("stSidebar").inner_text()
        else:
            assert "did not come through the company's sign-in proxy" in text
            assert tab.get_by_test_id("stMetric").count() == 0
            assert leader["name"] not in text
    finally:
        ctx.close()
