"""Browser fixtures: one app server per backend for the session, a fresh browser page per test.

The tests need Playwright's Python package and Debian's Chromium; without them they are skipped,
unless CS_COCKPIT_REQUIRE_E2E=1 (set by scripts/test under CI), where they fail.
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from queries.db import APP_SCHEMA_ENV, DEMO_PATH_ENV, URL_ENV

REQUIRE_E2E = os.environ.get("CS_COCKPIT_REQUIRE_E2E") == "1"


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
def start_server(tmp_path_factory, demo_warehouses):
    """A new app server for a backend on each call, as a new user starts it: DuckDB builds its own
    demo file on first start (the test process must not hold that file open); PostgreSQL serves
    the demo book, with app tables the app creates in a schema of the server's own."""
    from tests.e2e.browser import AppServer
    cleanups = []

    def start(backend: str) -> AppServer:
        home = tmp_path_factory.mktemp(f"e2e-{backend}")
        if backend == "duckdb":
            env = {URL_ENV: "", DEMO_PATH_ENV: str(home / "demo.duckdb"), APP_SCHEMA_ENV: "cockpit"}
        else:
            wh = demo_warehouses("postgres")
            schema = f"e2e_{uuid.uuid4().hex[:10]}"
            env = {URL_ENV: wh.url, APP_SCHEMA_ENV: schema}

            def drop(url=wh.url, schema=schema):
                with sa.create_engine(url).begin() as conn:
                    conn.exec_driver_sql(f"drop schema if exists {schema} cascade")
            cleanups.append(drop)
        server = AppServer(env, home / "streamlit.log")
        cleanups.insert(0, server.stop)
        return server
    yield start
    for cleanup in cleanups:
        cleanup()


@pytest.fixture(scope="session")
def servers(start_server):
    """One server per backend for the whole session, started on first use."""
    started = {}

    def get(backend: str):
        if backend not in started:
            started[backend] = start_server(backend)
        return started[backend]
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
