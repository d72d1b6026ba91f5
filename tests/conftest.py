"""Fixtures: every warehouse test runs on DuckDB and on a real PostgreSQL server.

PostgreSQL comes from CS_COCKPIT_TEST_PG_URL (default: the local server's `postgres` database).
If it cannot be reached the PostgreSQL cases are skipped, unless CS_COCKPIT_REQUIRE_PG=1 (set by
scripts/test under CI), where they fail: CI must never pass on DuckDB alone.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import sqlalchemy as sa
import streamlit as st

from queries import app_setup
from queries.db import Warehouse, engine_for
from queries.migrations import migrate
from queries.demo_book import build_demo
from warehouse import transform
from warehouse.schema import metadata
from warehouse.synth import Shape

# the session builds ~80 warehouses: parse the dbt project once per engine and vars, not per build
transform.REUSE_PARSE = True

PG_URL = os.environ.get("CS_COCKPIT_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("CS_COCKPIT_REQUIRE_PG") == "1"
DEMO_AS_OF = dt.date(2026, 11, 23)
BACKENDS = ["duckdb", "postgres"]
APP_ROLE = "cockpit_app_test"


def _postgres_or_skip() -> None:
    try:
        with sa.create_engine(PG_URL, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.exec_driver_sql("select 1")
    except sa.exc.OperationalError as err:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (CS_COCKPIT_REQUIRE_PG=1) but unreachable at {PG_URL}: {err}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")


def _schema_url(schema: str, user: str | None = None) -> str:
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return (url.set(username=user) if user else url).render_as_string(hide_password=False)


def _ensure_app_role() -> None:
    """The role the app runs as in the PostgreSQL tests: it logs in, reads what it is granted, owns
    the app schemas it is given, and nothing else (no superuser, no CREATE on the database)."""
    with sa.create_engine(PG_URL).begin() as conn:
        conn.exec_driver_sql("select pg_advisory_xact_lock(7402)")  # several test processes at once
        if not conn.exec_driver_sql(f"select 1 from pg_roles where rolname = '{APP_ROLE}'").first():
            conn.exec_driver_sql(f"create role {APP_ROLE} login nosuperuser nocreatedb nocreaterole")


def least_privileged(wh: Warehouse, app_schema: str | None = None) -> Warehouse:
    """The PostgreSQL warehouse `wh` as the app sees it in production: connected as APP_ROLE, with
    the app schema created for it by the admin's setup command. DuckDB books are returned as they are."""
    if not wh.url.startswith("postgresql"):
        return Warehouse(wh.url, app_schema or wh.app_schema)
    _ensure_app_role()
    contract = sa.make_url(wh.url).query["options"].removeprefix("-csearch_path=")
    app_setup.set_up(PG_URL, APP_ROLE, app_schema or wh.app_schema, contract)
    return Warehouse(_schema_url(contract, APP_ROLE), app_schema or wh.app_schema)


def new_warehouse(backend: str, tmp_path) -> tuple[Warehouse, callable]:
    """An isolated, empty place for a warehouse, and how to remove it."""
    if backend == "duckdb":
        return Warehouse(f"duckdb:///{tmp_path / f'wh_{uuid.uuid4().hex[:8]}.duckdb'}"), lambda: None
    _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"create schema {schema}")

    def drop():
        engine_for(_schema_url(schema)).dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"drop schema if exists {schema} cascade")
            conn.exec_driver_sql(f"drop schema if exists {schema}_app cascade")
        admin.dispose()
    # the app's own schema is per test too, so parallel books never share write-back rows
    return Warehouse(_schema_url(schema), app_schema=f"{schema}_app"), drop


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_warehouse(backend, tmp_path):
    """The contract's tables, empty, and the app's own tables, on the backend under test."""
    wh, drop = new_warehouse(backend, tmp_path)
    with wh.engine.begin() as conn:
        metadata.create_all(conn)
    migrate(wh, create_schema=True)
    yield wh
    drop()


@pytest.fixture(scope="session")
def demo_warehouses(tmp_path_factory):
    """The default demo book (fixed as_of), built once per backend per test session."""
    built, cleanups = {}, []

    def get(backend: str) -> Warehouse:
        if backend not in built:
            wh, drop = new_warehouse(backend, tmp_path_factory.mktemp("demo"))
            cleanups.append(drop)
            target = wh.url if backend == "postgres" else wh.url.removeprefix("duckdb:///")
            # the app's own entry point; every app-level PostgreSQL test runs as the app's own role,
            # which seeds the write-back history too
            build_demo(target, Shape(as_of=DEMO_AS_OF), app_schema=wh.app_schema,
                       open_app=lambda url: least_privileged(Warehouse(url, wh.app_schema)))
            wh = least_privileged(wh)
            built[backend] = wh
        return built[backend]
    yield get
    for drop in cleanups:
        drop()


@pytest.fixture(scope="module")
def _module_books(tmp_path_factory):
    """Hand-built books, each written and built by dbt once per test module and backend."""
    built, cleanups = {}, []

    def get(backend: str, build_book) -> Warehouse:
        if (backend, build_book) not in built:
            wh, drop = new_warehouse(backend, tmp_path_factory.mktemp("book"))
            cleanups.append(drop)
            with wh.engine.begin() as conn:
                metadata.create_all(conn)
            built[backend, build_book] = build_book().write(wh)
        return built[backend, build_book]
    yield get
    for drop in cleanups:
        drop()


@pytest.fixture
def hand_built(_module_books):
    """`hand_built(backend, build_book)`: the module's book (built once: dbt is not free), with
    write-back tables of the test's own. A test that changes the contract's tables builds its own."""
    mine = []

    def get(backend: str, build_book) -> Warehouse:
        shared = _module_books(backend, build_book)
        wh = least_privileged(shared, app_schema=f"w_{uuid.uuid4().hex[:10]}")  # as the app's own role
        migrate(wh)
        mine.append(wh)
        return wh
    yield get
    for wh in mine:
        with wh.engine.begin() as conn:
            conn.exec_driver_sql(f"drop schema {wh.app_schema} cascade")


@pytest.fixture
def demo_warehouse(backend, demo_warehouses) -> Warehouse:
    return demo_warehouses(backend)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Cached query results are shared per process; tests must not see each other's."""
    st.cache_data.clear()
    yield


@pytest.fixture
def writable_demo(backend, demo_warehouses):
    """The demo book with write-back tables of its own, so a test's writes stay its own."""
    shared = demo_warehouses(backend)
    wh = least_privileged(shared, app_schema=f"w_{uuid.uuid4().hex[:10]}")
    migrate(wh)
    yield wh
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(f"drop schema {wh.app_schema} cascade")
