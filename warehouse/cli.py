"""The command line of a build: the synthetic book's options, creating the database, reporting."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from typing import Callable

from warehouse.build import build_warehouse, target_url
from warehouse.database import TargetProblem, ensure_database
from warehouse.synth import SEGMENT_MIXES, Shape


def parser(description: str) -> argparse.ArgumentParser:
    """The book's options: `python -m warehouse` and the app's `python -m queries.demo_book`."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", required=True, help="a DuckDB file path or an SQLAlchemy URL")
    p.add_argument("--accounts", type=int, default=1600, help="size of today's book (default 1600)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today(), help="last day of history")
    p.add_argument("--usage-days", type=int, default=365, help="days of usage_daily to keep")
    p.add_argument("--health-weeks", type=int, default=156, help="weekly health snapshots to keep")
    p.add_argument("--mix", choices=sorted(SEGMENT_MIXES), default="reference",
                   help="segment mix: the reference company's, or tech_touch (70%% tech-touch accounts)")
    return p


def shape_of(args: argparse.Namespace) -> Shape:
    return Shape(accounts=args.accounts, seed=args.seed, as_of=args.as_of, usage_days=args.usage_days,
                 health_weeks=args.health_weeks, mix=args.mix)


def run(args: argparse.Namespace, seed_app_tables: Callable[[str], object] | None = None,
        dbt_vars: dict | None = None) -> None:
    """Create the database if needed, build, and print what was written."""
    try:
        if created := ensure_database(target_url(args.target)):
            print(f"created the database {created}")
    except TargetProblem as problem:
        sys.exit(f"cannot load the book: {problem}")  # no URL echoed: it may hold a password
    started = time.perf_counter()
    counts = build_warehouse(args.target, shape_of(args), progress=lambda step, _f: print(f"  {step}", flush=True),
                             seed_app_tables=seed_app_tables, dbt_vars=dbt_vars)
    print(f"wrote {sum(counts.values()):,} rows to {args.target} in {time.perf_counter() - started:.1f}s")
    for table, rows in counts.items():
        print(f"  {table:24} {rows:>12,}")


