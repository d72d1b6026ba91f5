"""Benchmark every page at several book sizes on DuckDB and PostgreSQL; write docs/performance.md.

    .venv/bin/python -m bench.pages                       # 1.6k, 20k, 200k on both backends
    .venv/bin/python -m bench.pages --sizes 1600 --runs 1 --out /tmp/perf.md   # CI smoke

Per page of components/registry.py (and per view of a multi-view page), through AppTest, in a fresh
process per size and backend: cold run (result caches cleared), warm run (cached), medians of --runs; the page's own SQL
replayed directly against the database (the floor) and app / SQL; rows fetched into Python; and
the process's peak memory. Books are built once per size and backend and reused (--rebuild to
regenerate): DuckDB files in data/, PostgreSQL databases cockpit_bench_<size>.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from queries.db import DEMO_BUILD, POSTGRES_APP_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 23)
# cold and warm page times, the app's own time on top of its SQL, and the app's peak memory
TARGETS = {"cold": 1.0, "cold_1m": 2.0, "warm": 0.2, "overhead": 0.15, "memory_mib": 1536}
LARGE = 1_000_000  # from this size on: the tech-touch-heavy book, 90 days of usage, 26 weeks of health
KEPT_SECTION = "## Sessions per server"  # bench.concurrency's, at the end of the file: kept on a rewrite


def shape_for(accounts: int):
    """The reference company's mix with 180 days of usage and 52 weekly snapshots; a tech-touch-heavy
    book with 90 days and 26 weeks at LARGE and above."""
    from warehouse.synth import Shape
    if accounts >= LARGE:
        return Shape(accounts=accounts, as_of=AS_OF, usage_days=90, health_weeks=26, mix="tech_touch")
    return Shape(accounts=accounts, as_of=AS_OF, usage_days=180, health_weeks=52)


def build_book(target: str, accounts: int, stats_file: Path) -> None:
    """Build the book in a fresh process (so its peak memory is the build's alone) and keep the
    build's figures beside it: seconds to generate and load, seconds of dbt build, peak memory."""
    child = subprocess.run([sys.executable, "-m", "bench.pages", "--build", target, "--sizes", str(accounts)],
                           cwd=ROOT, capture_output=True, text=True, check=False)
    if child.returncode:
        sys.stderr.write(child.stderr[-4000:])
        raise SystemExit(f"building {accounts} accounts into {target} failed")
    stats_file.parent.mkdir(parents=True, exist_ok=True)  # data/ is not in a fresh clone
    stats_file.write_text(child.stdout.strip().splitlines()[-1])


def build_here(target: str, accounts: int) -> dict:
    """In this process: build the book, timing its steps."""
    from warehouse.build import build_warehouse
    marks = {}

    def progress(step: str, _fraction: float) -> None:
        marks.setdefault(step.split(":")[0], time.perf_counter())
    started = time.perf_counter()
    counts = build_warehouse(target, shape_for(accounts), progress=progress)
    ended = time.perf_counter()
    dbt_started = marks.get("dbt build", ended)
    return {"build": DEMO_BUILD, "generate_load_s": dbt_started - started,
            "dbt_build_s": marks.get("done", ended) - dbt_started, "peak_mib": peak_rss_mib(),
            "rows": sum(counts.values())}


def warehouse_url(backend: str, accounts: int, pg_admin: str, rebuild: bool) -> str:
    """Build the book unless it exists (or --rebuild); return its URL."""
    if backend == "duckdb":
        path = ROOT / "data" / f"bench_{accounts}.duckdb"
        if rebuild or not path.exists() or stale(backend, accounts):
            build_book(str(path), accounts, path.with_suffix(".build.json"))
        return f"duckdb:///{path}"
    name = f"cockpit_bench_{accounts}"
    admin = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("select 1 from pg_database where datname = %s", (name,)).first()
        if (rebuild or stale(backend, accounts)) and exists:
            conn.exec_driver_sql(f"drop database {name} with (force)")
            exists = None
        if not exists:
            conn.exec_driver_sql(f"create database {name}")
    admin.dispose()
    url = sa.make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
    if not exists:
        build_book(url, accounts, ROOT / "data" / f"{name}.build.json")
    return url


def stale(backend: str, accounts: int) -> bool:
    """A book an older build made (before a new mart, say), or whose build is not known: the pages
    of this build would fail on it or measure the wrong thing, so it is built again."""
    stats = build_stats(backend, accounts)
    return stats is None or stats.get("build") != DEMO_BUILD


def build_stats(backend: str, accounts: int) -> dict | None:
    name = f"bench_{accounts}" if backend == "duckdb" else f"cockpit_bench_{accounts}"
    path = ROOT / "data" / f"{name}.build.json"
    return json.loads(path.read_text()) if path.exists() else None


def measure_one(url: str, runs: int) -> dict:
    """In this process: every page cold and warm through AppTest, and its SQL replayed."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from components import identity
    from components.registry import PAGES, views_of
    from queries import db
    from queries.migrations import migrate
    from tests.apptest import keep_apptest_on_navigation
    keep_apptest_on_navigation(setattr)
    os.environ[db.URL_ENV] = url
    os.environ[identity.UNSAFE_DEMO_ENV] = "1"  # the benchmark views pages as a picked person
    wh = db.Warehouse(url)
    migrate(wh, create_schema=True)
    largest = largest_live_account(wh)  # the account page shows it
    results = []
    for page, view in [(p, v) for p in PAGES for v in views_of(p)]:
        cold, warm, sql, trace = [], [], [], []
        for _ in range(runs):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            at.run()
            open_page(at, page, view, largest)
            st.cache_data.clear()
            db.TRACE = []
            started = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - started)
            trace, db.TRACE = db.TRACE, None
            sql.append(sum(seconds for _s, _p, _r, seconds in trace))  # in the warehouse, in this run
            if at.exception:
                raise RuntimeError(f"{page.path} {view}: {at.exception[0].message}")
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        results.append({"page": page.name, "view": view or "",
                        "cold_s": statistics.median(cold), "warm_s": statistics.median(warm),
                        "sql_s": statistics.median(sql), "queries": len(trace),
                        "overhead_s": statistics.median(c - q for c, q in zip(cold, sql)),
                        "rows": sum(rows for _s, _p, rows, _t in trace)})
        print(f"    {results[-1]['page']:<10} {view or '':<18} cold {results[-1]['cold_s']:.3f}s "
              f"warm {results[-1]['warm_s']:.3f}s sql {results[-1]['sql_s']:.3f}s rows {results[-1]['rows']}",
              file=sys.stderr, flush=True)
    return {"pages": results, "peak_mib": peak_rss_mib()}


def largest_live_account(wh) -> int:
    """The account the benchmark opens on the account page: the live one with the most ARR."""
    with wh.engine.connect() as conn:
        return conn.exec_driver_sql("select account_id from account_snapshot where is_live "
                                    "order by arr desc, account_id limit 1").scalar_one()


def open_page(at, page, view: str | None, account_id: int) -> None:
    """Point an AppTest at the page, its view and (for a one-account page) the account, as a
    visitor's URL or control would; the caller runs it."""
    at.switch_page(page.path)
    if page.needs_account:
        at.query_params["account"] = str(account_id)
    if view and page.views.in_url:
        at.query_params[page.views.in_url] = view
    elif view:
        at.session_state[page.views.key] = view


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss across
    fork and exec, so a child would report the parent's peak (e.g. from generating a book)."""
    status = Path("/proc/self/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    return kib / 1024


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal")) / 1024 / 1024
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def pg_settings(pg_admin: str) -> str:
    """The PostgreSQL settings that shape these timings, as the server reports them."""
    names = ("server_version", "shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")
    with sa.create_engine(pg_admin).connect() as conn:
        values = {n: conn.exec_driver_sql(f"show {n}").scalar_one() for n in names}
    return ", ".join(f"{n} {v}" for n, v in values.items())


def report(all_results: dict, runs: int, pg_admin: str) -> str:
    app_settings = ", ".join(f"{n} {v}" for n, v in POSTGRES_APP_SETTINGS.items())
    lines = [
        "# Performance", "",
        f"Measured by `python -m bench.pages` on {dt.date.today():%d %b %Y}: {machine()}. Synthetic books "
        f"as of {AS_OF}: up to 200k accounts the reference company's mix with 180 days of usage and 52 "
        f"weekly health snapshots; at 1M a tech-touch-heavy mix (70% tech-touch) with 90 days and 26 "
        f"weeks. Sizes are live accounts; the accounts lost over three years come on top. Medians of "
        f"{runs} runs. PostgreSQL in its default configuration ({pg_settings(pg_admin)}) with the "
        f"contract's indexes, the app's sessions setting {app_settings} (queries/db.py); DuckDB 2.0 file. "
        f"The marts are built by `dbt build` (transform/).", "",
        "- **cold**: the page through AppTest (router included) with every result cache cleared;",
        "- **warm**: the same run again, results cached;",
        "- **SQL**: the time the cold run spent in the warehouse (its statements, from sending each to "
        "its last row);",
        "- **overhead**: cold − SQL, the app's own time in that run (Streamlit, Python, charts; the "
        "median over the runs);",
        "- **rows**: rows fetched into Python; **queries**: statements run.", "",
        f"Targets: cold < {TARGETS['cold']} s up to 200k and < {TARGETS['cold_1m']} s at 1M, warm < "
        f"{TARGETS['warm']} s, overhead < {TARGETS['overhead']} s, the app's peak memory < "
        f"{TARGETS['memory_mib'] / 1024:.1f} GiB. A ✗ marks a miss.", "",
        "## Building the books", "",
        "Generate and load (streamed in chunks of 20k accounts), then `dbt build` (models and tests), "
        "each in a fresh process.", "",
        "| accounts | engine | rows | generate + load s | dbt build s | build peak memory MiB |",
        "|---|---|---|---|---|---|",
    ]
    for (accounts, backend) in sorted(all_results):
        if (stats := build_stats(backend, accounts)) and "rows" in stats:  # figures kept
            lines.append(f"| {accounts:,} | {backend} | {stats['rows']:,} | {stats['generate_load_s']:.0f} | "
                         f"{stats['dbt_build_s']:.0f} | {stats['peak_mib']:,.0f} |")
    lines.append("")
    for (accounts, backend), result in sorted(all_results.items()):
        cold_target = TARGETS["cold"] if accounts < LARGE else TARGETS["cold_1m"]
        lines += [f"## {accounts:,} accounts, {backend} (app peak memory {result['peak_mib']:,.0f} MiB"
                  + (" ✗" if result["peak_mib"] > TARGETS["memory_mib"] else "") + ")",
                  "", "| page | view | cold s | warm s | SQL s | overhead s | queries | rows |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in result["pages"]:
            overhead = r["overhead_s"]
            lines.append(
                f"| {r['page']} | {r['view']} | {r['cold_s']:.3f}{' ✗' if r['cold_s'] > cold_target else ''} | "
                f"{r['warm_s']:.3f}{' ✗' if r['warm_s'] > TARGETS['warm'] else ''} | {r['sql_s']:.3f} | "
                f"{overhead:.3f}{' ✗' if overhead > TARGETS['overhead'] else ''} | {r['queries']} | {r['rows']:,} |")
        lines.append("")
    return "\n".join(lines)


def with_kept_section(new_report: str, previous: str) -> str:
    """The new report, then bench.concurrency's section of the file it replaces, when it had one."""
    return new_report + "\n" + (previous[previous.index(KEPT_SECTION):] if KEPT_SECTION in previous else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1600, 20_000, 200_000])
    parser.add_argument("--backends", nargs="+", default=["duckdb", "postgres"])
    parser.add_argument("--books", nargs="+", metavar="SIZE:ENGINE",
                        help="exactly these books instead of every size on every backend, e.g. 1000000:duckdb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("CS_COCKPIT_TEST_PG_URL",
                                                        "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # measure one warehouse in this fresh process, print JSON
        print(json.dumps(measure_one(args.child, args.runs)))
        return
    if args.build:  # build one book in this fresh process, print its figures as JSON
        print(json.dumps(build_here(args.build, args.sizes[0])))
        return
    results = {}
    books = ([(int(b.split(":")[0]), b.split(":")[1]) for b in args.books] if args.books
             else [(a, b) for a in args.sizes for b in args.backends])
    for accounts, backend in books:
        print(f"== {accounts:,} accounts on {backend}", file=sys.stderr, flush=True)
        url = warehouse_url(backend, accounts, args.pg, args.rebuild)
        child = subprocess.run([sys.executable, "-m", "bench.pages", "--child", url, "--runs", str(args.runs)],
                               cwd=ROOT, capture_output=True, text=True, check=False)
        sys.stderr.write(child.stderr[-4000:] if child.returncode else "")
        if child.returncode:
            raise SystemExit(f"benchmark of {accounts} on {backend} failed")
        results[(accounts, backend)] = json.loads(child.stdout.strip().splitlines()[-1])
    previous = Path(args.out).read_text() if Path(args.out).exists() else ""
    Path(args.out).write_text(with_kept_section(report(results, args.runs, args.pg), previous))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
