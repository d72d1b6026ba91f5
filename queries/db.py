"""Where the warehouse is, one engine per warehouse per process, and one way to run a query.

Configuration, first found wins:
1. the environment variable CS_COCKPIT_WAREHOUSE_URL (an SQLAlchemy URL);
2. `[connections.warehouse] url = "..."` in .streamlit/secrets.toml;
3. the embedded demo: a DuckDB file (CS_COCKPIT_DEMO_PATH, default data/demo-v<contract>.<build>.duckdb),
   generated on first start.
The app's own tables go to the schema CS_COCKPIT_APP_SCHEMA (default `cockpit`).
"""
from __future__ import annotations

import contextvars
import decimal
import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import sqlalchemy as sa
import streamlit as st

from warehouse.schema import CONTRACT_VERSION

ROOT = Path(__file__).resolve().parent.parent
URL_ENV = "CS_COCKPIT_WAREHOUSE_URL"
DEMO_PATH_ENV = "CS_COCKPIT_DEMO_PATH"
CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 256
# When a list, fetch() appends (statement, params, rows, seconds) to it: bench/ uses this to time a
# page's SQL inside its run, count the rows each page pulls into Python, and explain the statements.
TRACE: list | None = None


APP_SCHEMA_ENV = "CS_COCKPIT_APP_SCHEMA"
# DuckDB's buffer for the app's reads. Its default, 80% of the machine's memory, let one app process
# hold 1.8 GiB on a 1M-account book; with this cap DuckDB evicts (or spills) instead.
DUCKDB_APP_MEMORY = "1GB"
# PostgreSQL settings for the app's own sessions (the server's defaults stay as they are):
# - jit off: the pages' statements are many short analytical queries; compiling each cost 75-375 ms
#   of JIT on a 200k book, more than it saved;
# - work_mem 64MB: a statement's sorts and hashes over a whole 200k book (the portfolio's counts, the
#   milestones by cohort) stay in memory instead of spilling to temporary files at the 4MB default.
#   Per sort or hash node of a running statement: a pool of 15 connections stays near 1-2 GB at worst.
POSTGRES_APP_SETTINGS = {"jit": "off", "work_mem": "64MB"}


@dataclass(frozen=True)
class Warehouse:
    """A warehouse by URL, plus the schema that holds the app's own (write-back) tables.
    Hashable, so cached query results are keyed by which warehouse they came from."""
    url: str
    app_schema: str = "cockpit"

    def __post_init__(self):
        if not self.app_schema.isidentifier():  # it is inlined into SQL as an identifier
            raise ValueError(f"invalid app schema name: {self.app_schema!r}")

    @property
    def engine(self) -> sa.Engine:
        return engine_for(self.url)

    @property
    def is_demo(self) -> bool:
        return self.url == demo_url()

    @property
    def label(self) -> str:
        """The URL without its password, for logs; a malformed URL is not repeated at all."""
        parsed = parse_url(self.url)
        return "(malformed warehouse URL)" if parsed is None else parsed.render_as_string(hide_password=True)

    @property
    def kind(self) -> str:
        parsed = parse_url(self.url)
        return "unknown" if parsed is None else parsed.get_backend_name()


# The demo file's build: bumped when the generated book, the marts or the demo's seeded write-back change, so
# that a file an older build left (without a new mart, say) is not read; a current one is generated beside it.
# 2: the onboarding_signal_inputs and cs_activity_daily marts, seeded renewal forecasts; 3: the score check's
# marts; 4: onboarding_milestones_as_of, the grace rule, the windows as vars; 5: surveys answered by the
# account's contacts; 6: the nps_monthly mart; 7: the renewals_as_of mart; 8: milestones carry their cohort and owner;
# 9: score_check_signal_facts; 10: the arr_changes_daily mart (the ARR bridge and CSM outcomes read it)
# 11: the snapshot carries who the account is, its usage means as doubles; the renewals_open mart
# 12: onboarding milestones carry their month and quarter cohorts and each account's first row in them; the
# score check marts carry every decided renewal with its outcome and who-columns; arr_changes_daily its CSM and segment
# 13: score_check_renewal_scores carries the latest detractor answer still standing in each window; 14: nps_surveys
# 16: the renewals_monthly mart, renewals_as_of's arr_kept
DEMO_BUILD = 16


def demo_path() -> Path:
    default = ROOT / "data" / f"demo-v{CONTRACT_VERSION}.{DEMO_BUILD}.duckdb"
    return Path(os.environ.get(DEMO_PATH_ENV, default)).resolve()


def demo_url() -> str:
    return f"duckdb:///{demo_path()}"


def configured_url() -> str | None:
    """The warehouse a user configured, or None for the embedded demo."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    try:
        return st.secrets["connections"]["warehouse"]["url"]
    except (KeyError, FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


SUPPORTED_BACKENDS = ("postgresql", "duckdb")


def parse_url(url: str) -> sa.URL | None:
    """The URL parsed, or None when it is malformed (a non-numeric port is a ValueError)."""
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        return None


def url_problem(url: str) -> str | None:
    """Why a configured warehouse URL cannot be used, in words for the operator; None if it can.
    Never repeats the URL itself: it may hold a password."""
    parsed = parse_url(url)
    if parsed is None:
        return ("The warehouse URL is not a valid SQLAlchemy URL. It should look like "
                "postgresql+psycopg2://user:password@host:5432/database.")
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        return (f"The warehouse URL names the database kind {parsed.get_backend_name()!r}; CS Cockpit reads "
                f"PostgreSQL (postgresql+psycopg2://...) or a DuckDB file (duckdb:///path).")
    if parsed.get_backend_name() == "postgresql" and not parsed.database:
        return "The warehouse URL names no database: add /database_name after the host and port."
    return None


def current_warehouse() -> Warehouse:
    return Warehouse(configured_url() or demo_url(), os.environ.get(APP_SCHEMA_ENV, "cockpit"))


@st.cache_resource(show_spinner=False, max_entries=8)
def engine_for(url: str) -> sa.Engine:
    """One pooled engine per URL; pre-ping so a restarted database is picked up transparently."""
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "duckdb":
        sa.event.listen(engine, "connect", _cap_duckdb_memory)
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _tune_postgres_session)
    return engine


def _tune_postgres_session(dbapi_connection, _record) -> None:
    """Session settings, not the startup packet's options: a pooler (PgBouncer) may refuse those."""
    cursor = dbapi_connection.cursor()
    for name, value in POSTGRES_APP_SETTINGS.items():
        cursor.execute("select set_config(%s, %s, false)", (name, value))
    cursor.close()
    dbapi_connection.commit()  # psycopg2 opened a transaction; the settings outlive it


def _cap_duckdb_memory(dbapi_connection, _record) -> None:
    """A setting, not connect-time config: DuckDB refuses a second connection to a file already
    open in the process with different config (the loader and dbt open the same files)."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"set memory_limit = '{DUCKDB_APP_MEMORY}'")
    cursor.close()


def cached(fn):
    """Share a query's result across sessions, bounded in age and count."""
    return st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)(fn)


_WRITEBACK_READS = []


def reads_writeback(fn):
    """`cached`, for a query that reads the app's own tables (every query whose result depends on
    open flags or on the last touch: touches logged in the app count, see queries.scope). Its key
    also holds the app tables' data version, so a write on any app server (which bumps it) gives
    every server new keys; and forget_cached_writes() clears it at once in the writing process.
    Every such query takes the warehouse first."""
    def versioned(data_version, *args, **kwargs):  # data_version: part of the key only
        return fn(*args, **kwargs)

    versioned.__module__, versioned.__qualname__ = fn.__module__, fn.__qualname__  # one cache each
    versioned_cached = cached(versioned)

    @functools.wraps(fn)
    def query(wh: Warehouse, *args, **kwargs):
        return versioned_cached(data_version(wh), wh, *args, **kwargs)

    query.clear = versioned_cached.clear
    _WRITEBACK_READS.append(versioned_cached)
    return query


def forget_cached_writes() -> None:
    """After a write every page must show it at once: drop the cached results over the app's tables
    (for every session of this process: they are shared), and only those."""
    for fn in _WRITEBACK_READS:
        fn.clear()


# --- the data version: several app servers agree on the app's tables -----------------------------
# A one-row table in the app schema (queries.migrations, v3) that every write bumps in its own
# transaction (queries.writeback). The router reads it once per script run (stamp_run); every
# @reads_writeback query of that run is keyed by it. Outside a script run (tests, bench) each
# query reads it afresh.
_RUN_VERSION: contextvars.ContextVar[tuple[Warehouse, int] | None] = contextvars.ContextVar(
    "cs_cockpit_data_version", default=None)


def read_data_version(wh: Warehouse) -> int:
    with wh.engine.connect() as conn:
        return conn.execute(sa.text(f"select version from {wh.app_schema}.data_version")).scalar_one()


_LAST_SEEN: dict[Warehouse, int] = {}


def stamp_run(wh: Warehouse) -> int:
    """Once per script run, by the router: read the data version for this run's queries. A
    session's runs happen in its own script thread, so the stamp never reaches another session.
    While the database cannot be reached the run keeps the last version this process saw, so the
    pages it has cached still render (and a write says it was not saved)."""
    try:
        version = read_data_version(wh)
    except sa.exc.OperationalError:
        if wh not in _LAST_SEEN:
            raise
        version = _LAST_SEEN[wh]
    else:
        _LAST_SEEN[wh] = version
    _RUN_VERSION.set((wh, version))
    return version


def data_version(wh: Warehouse) -> int:
    """This run's data version of the warehouse's app tables (read afresh when no run stamped it)."""
    stamped = _RUN_VERSION.get()
    return stamped[1] if stamped is not None and stamped[0] == wh else read_data_version(wh)


def bump_data_version(conn: sa.Connection, app_schema: str) -> None:
    """Inside a write's transaction: the app tables changed, so every server's cached reads of them
    are stale. The write commits its rows and the new version together."""
    conn.execute(sa.text(f"update {app_schema}.data_version set version = version + 1"))


def fetch(wh: Warehouse, statement: sa.TextClause, params: dict | None = None) -> pl.DataFrame:
    """Run a parameterised statement and return a polars frame (numeric columns as floats)."""
    started = time.perf_counter()
    with wh.engine.connect() as conn:
        result = conn.execute(statement, params or {})
        columns = list(result.keys())
        rows = result.fetchall()
    if TRACE is not None:
        TRACE.append((statement, params or {}, len(rows), time.perf_counter() - started))
    data = {name: [row[i] for row in rows] for i, name in enumerate(columns)}
    for name, values in data.items():
        if any(isinstance(v, decimal.Decimal) for v in values):
            data[name] = [None if v is None else float(v) for v in values]
    return pl.DataFrame(data, strict=False)
