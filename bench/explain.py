"""Why a page is slow: run it once, cold, and print the plan of each statement that took long.

    .venv/bin/python -m bench.explain postgresql+psycopg2://postgres@127.0.0.1/cockpit_bench_200000 portfolio
    .venv/bin/python -m bench.explain duckdb:///data/bench_200000.duckdb renewals "Renewal rates" --slow 0.05

The page runs through AppTest as bench.pages runs it; each statement it sent is then timed on its
own and, over --slow seconds, explained (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS); DuckDB: EXPLAIN
ANALYZE).
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def trace_page(url: str, page_name: str, view: str | None) -> list:
    """The statements one cold run of the page sends, with their parameters."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from components import identity
    from components.registry import PAGES
    from queries import db
    from queries.migrations import migrate
    from bench.pages import largest_live_account, open_page
    from tests.apptest import keep_apptest_on_navigation
    keep_apptest_on_navigation(setattr)
    os.environ[db.URL_ENV] = url
    os.environ[identity.UNSAFE_DEMO_ENV] = "1"
    migrate(db.Warehouse(url), create_schema=True)  # a fresh book has no app schema yet
    page = next(p for p in PAGES if p.name == page_name)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    open_page(at, page, view, largest_live_account(db.Warehouse(url)))
    st.cache_data.clear()
    db.TRACE = []
    at.run()
    trace, db.TRACE = db.TRACE, None
    return trace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("page", help="a page's name in components/registry.py")
    parser.add_argument("view", nargs="?")
    parser.add_argument("--slow", type=float, default=0.15, help="explain statements slower than this")
    args = parser.parse_args()
    import sqlalchemy as sa
    from queries.db import Warehouse
    trace = trace_page(args.url, args.page, args.view)
    wh = Warehouse(args.url)
    prefix = "explain (analyze, buffers) " if wh.engine.dialect.name == "postgresql" else "explain analyze "
    with wh.engine.connect() as conn:
        for statement, params, rows, _seconds in trace:
            started = time.perf_counter()
            conn.execute(statement, params).fetchall()
            took = time.perf_counter() - started
            compiled = str(statement)
            print(f"-- {took:.3f} s, {rows} rows: {' '.join(compiled.split())[:160]}")
            if took > args.slow:
                # the statement's own binds (expanding lists too), under the EXPLAIN prefix
                explained = sa.text(prefix + statement.text).bindparams(*statement._bindparams.values())
                plan = conn.execute(explained, params).fetchall()
                print("\n".join(str(line[-1]) for line in plan), "\n")


if __name__ == "__main__":
    main()
