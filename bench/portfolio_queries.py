"""Time the Portfolio health page's queries by data size and backend.

    .venv/bin/python -m bench.portfolio_queries --accounts 1600 20000 --backends duckdb postgres

Builds (or reuses, with --reuse) one synthetic book per size and backend, then runs each query
--runs times with the result cache cleared, and prints medians in seconds plus the
PostgreSQL/DuckDB ratio. PostgreSQL books go to their own database (cockpit_bench_<size>).
"""
from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
import streamlit as st

from queries import portfolio
from queries.db import Warehouse
from queries.scope import Filters
from warehouse.build import build_warehouse
from warehouse.synth import Shape

AS_OF = dt.date(2026, 11, 23)
QUERIES = {
    "kpis": lambda wh: portfolio.kpis(wh, Filters()),
    "band mix by segment": lambda wh: portfolio.band_mix(wh, Filters(), "segment"),
    "band mix by tier, SMB only": lambda wh: portfolio.band_mix(wh, Filters(segments=("smb",)), "activity_tier"),
    "health trend, 52 weeks": lambda wh: portfolio.health_trend(wh, Filters()),
    "lowest health, 100": lambda wh: portfolio.lowest_health(wh, Filters(), 100),
}


def warehouse_for(backend: str, accounts: int, pg_admin_url: str, reuse: bool) -> Warehouse:
    if backend == "duckdb":
        path = Path("data") / f"bench_{accounts}.duckdb"
        wh = Warehouse(f"duckdb:///{path.resolve()}")
        exists = path.exists()
        target = str(path)
    else:
        name = f"cockpit_bench_{accounts}"
        admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.exec_driver_sql("select 1 from pg_database where datname = %s", (name,)).first()
            if not exists:
                conn.exec_driver_sql(f"create database {name}")
        admin.dispose()
        wh = Warehouse(sa.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False))
        target = wh.url
    if not (reuse and exists):
        started = time.perf_counter()
        build_warehouse(target, Shape(accounts=accounts, as_of=AS_OF, usage_days=180, health_weeks=52))
        print(f"  built {backend} {accounts:,} accounts in {time.perf_counter() - started:.0f}s", flush=True)
    return wh


def median_seconds(fn, wh: Warehouse, runs: int) -> float:
    times = []
    for _ in range(runs):
        st.cache_data.clear()
        started = time.perf_counter()
        fn(wh)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[1600, 20000])
    parser.add_argument("--backends", nargs="+", default=["duckdb", "postgres"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reuse", action="store_true", help="reuse books built by an earlier run")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.system()}, python {platform.python_version()}; "
          f"medians of {args.runs} runs, result cache cleared before each")
    results = {}
    for accounts in args.accounts:
        for backend in args.backends:
            wh = warehouse_for(backend, accounts, args.pg, args.reuse)
            for name, fn in QUERIES.items():
                fn(wh)  # warm the engine's pool and the database's buffers
                results[(accounts, backend, name)] = median_seconds(fn, wh, args.runs)
            wh.engine.dispose()
    print("\n| accounts | query | " + " | ".join(f"{b} s" for b in args.backends)
          + (" | pg/duckdb |" if len(args.backends) == 2 else " |"))
    print("|---|---|" + "---|" * (len(args.backends) + (1 if len(args.backends) == 2 else 0)))
    for accounts in args.accounts:
        for name in QUERIES:
            cells = [results[(accounts, b, name)] for b in args.backends]
            ratio = f" | {cells[1] / cells[0]:.1f}x" if len(cells) == 2 else ""
            print(f"| {accounts:,} | {name} | " + " | ".join(f"{c:.3f}" for c in cells) + ratio + " |")


if __name__ == "__main__":
    main()
