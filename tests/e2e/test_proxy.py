"""Sign-in through an authenticating proxy: the README's nginx configuration, Debian's nginx, the
app as its least-privileged role, Chromium. The proxy's word counts; a client's forged header does
not, through nginx or straight to Streamlit's port."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa

from components.identity import PROXY_SECRET_ENV, TRUSTED_HEADER_ENV
from queries import people
from queries.db import APP_SCHEMA_ENV, URL_ENV
from tests.conftest import PG_URL, least_privileged
from tests.e2e.browser import ROOT, AppServer, free_port, wait_for_app
from tests.e2e.conftest import REQUIRE_E2E

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SNIPPET = ROOT / "docs" / "deploy" / "nginx-cockpit.conf"


class Nginx:
    """nginx in front of the app: HTTP basic auth stands in for the site's sign-in (the user name
    is the email), then the README's snippet, unchanged but for the port and the secret."""

    def __init__(self, home, upstream_port: int, secret: str, users: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (home / "htpasswd").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
        (home / "cockpit.conf").write_text(SNIPPET.read_text().replace("127.0.0.1:8501", f"127.0.0.1:{upstream_port}")
                                           .replace("CHANGE-ME-openssl-rand-hex-32", secret))
        (home / "nginx.conf").write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {home}/access.log;
    client_body_temp_path {home}/tmp-body;
    proxy_temp_path {home}/tmp-proxy;
    server {{
        listen 127.0.0.1:{self.port};
        auth_basic "CS Cockpit";
        auth_basic_user_file {home}/htpasswd;
        set $cockpit_email $remote_user;
        include {home}/cockpit.conf;
    }}
}}""")
        self.process = subprocess.Popen([NGINX, "-p", str(home), "-c", str(home / "nginx.conf"), "-g", "daemon off;"],
                                        stderr=open(home / "nginx.stderr", "wb"))
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"nginx did not start: {(home / 'nginx.stderr').read_text()}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, demo_warehouses):
    if not os.path.exists(NGINX):
        if REQUIRE_E2E:
            pytest.fail("nginx is required under CI (Debian: apt-get install nginx-light)")
        pytest.skip("no nginx")
    home = tmp_path_factory.mktemp("proxy")
    schema = f"e2e_proxy_{uuid.uuid4().hex[:8]}"
    wh = least_privileged(demo_warehouses("postgres"), app_schema=schema)
    staff = people.staff(wh)
    secret = secrets.token_hex(32)
    app = AppServer({URL_ENV: wh.url, APP_SCHEMA_ENV: schema, TRUSTED_HEADER_ENV: "X-Forwarded-Email",
                     PROXY_SECRET_ENV: secret}, home / "streamlit.log")
    lead = staff.filter(staff["role"] == "lead").row(0, named=True)
    leader = staff.filter(staff["role"] == "leader").row(0, named=True)
    proxy = Nginx(home, app.port, secret, {lead["email"]: "pw-lead"})
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
