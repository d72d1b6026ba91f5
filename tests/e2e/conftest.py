"""Browser fixtures: one app server per backend for the session, a fresh browser page per test.

The tests need Playwright's Python package and Debian's Chromium; without them they are skipped,
unless CS_COCKPIT_REQUIRE_E2E=1 (set by scripts/test under CI), where they fail.
"""
from __future__ import annotations

import importlib.util
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from components.identity import UNSAFE_DEMO_ENV
from queries.db import APP_SCHEMA_ENV, DEMO_PATH_ENV, URL_ENV
from tests.conftest import PG_URL, least_privileged

REQUIRE_E2E = os.environ.get("CS_COCKPIT_REQUIRE_E2E") == "1"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """Under `-n 2 --dist loadgroup` (scripts/test) the browser tests share one worker: one Chromium
    and one app server per backend at a time, while the other worker runs the rest of the suite."""
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.xdist_group("browser"))


def _unavailable(reason: str):
    if REQUIRE_E2E:
        pytest.fail(f"browser tests required (CS_COCKPIT_REQUIRE_E2E=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright's Python package is not installed")
    from tests.e2e.browser import CHROMIUM, chromium_missing
    if reason := chromium_missing():
        _unavailable(reason)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID provider on loopback, for the session."""
    if importlib.util.find_spec("oidc_provider_mock") is None:
        _unavailable("the OpenID provider package oidc-provider-mock is not installed (requirements-dev.txt)")
    from tests.e2e.browser import OidcProvider
    provider = OidcProvider(tmp_path_factory.mktemp("oidc") / "provider.log")
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def start_server(tmp_path_factory, demo_warehouses):
    """A new app server for a backend on each call, as a new user starts it: DuckDB builds its own
    demo file on first start (the test process must not hold that file open); PostgreSQL serves
    the demo book as the app's least-privileged role, with app tables in a schema of the server's
    own. With `sign_in` (an OidcProvider), its secrets.toml has an `[auth]` section for it."""
    from tests.e2e.browser import AppServer, free_port
    cleanups = []

    def start(backend: str, sign_in=None) -> AppServer:
        home = tmp_path_factory.mktemp(f"e2e-{backend}")
        if backend == "duckdb":
            env = {URL_ENV: "", DEMO_PATH_ENV: str(home / "demo.duckdb"), APP_SCHEMA_ENV: "cockpit"}
        else:
            schema = f"e2e_{uuid.uuid4().hex[:10]}"
            wh = least_privileged(demo_warehouses("postgres"), app_schema=schema)  # the app's own role
            env = {URL_ENV: wh.url, APP_SCHEMA_ENV: schema, UNSAFE_DEMO_ENV: "1"}

            def drop(schema=schema):
                with sa.create_engine(PG_URL).begin() as conn:
                    conn.exec_driver_sql(f"drop schema if exists {schema} cascade")
            cleanups.append(drop)
        port = free_port()
        if sign_in is not None:
            (home / "secrets.toml").write_text(sign_in.auth_secrets(f"http://127.0.0.1:{port}"))
            env["STREAMLIT_SECRETS_FILES"] = str(home / "secrets.toml")  # Streamlit's secrets.files option
        server = AppServer(env, home / "streamlit.log", port=port)
        cleanups.insert(0, server.stop)
        return server
    yield start
    for cleanup in cleanups:
        cleanup()


@pytest.fixture(scope="session")
def servers(start_server):
    """One server per backend (and sign-in) for the whole session, started on first use."""
    started = {}

    def get(backend: str, sign_in=None):
        key = (backend, sign_in is not None)
        if key not in started:
            started[key] = start_server(backend, sign_in)
        return started[key]
    return get


@pytest.fixture
def app(backend, servers):
    return servers(backend)


@pytest.fixture
def page(browser, app):
    from tests.e2e.browser import wait_for_app
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    tab = context.new_page()
    tab.goto(app.url, timeout=120_000)
    wait_for_app(tab, timeout=180_000)  # the first visit may build the demo warehouse
    yield tab
    context.close()
