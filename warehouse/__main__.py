"""Command line: generate the synthetic book into a DuckDB file or a PostgreSQL database, build its
marts with dbt, and add the app's demo write-back history (churn tags, renewal forecasts). A PostgreSQL database
that does not exist yet is created (when the user may), else the command says how.

    python -m warehouse --target data/demo-v5.3.duckdb
    python -m warehouse --target postgresql+psycopg2://postgres@127.0.0.1:5432/cockpit --accounts 20000
"""
import argparse
import datetime as dt
import sys
import time

from warehouse.build import build_warehouse, target_url
from warehouse.database import TargetProblem, ensure_database
from warehouse.synth import SEGMENT_MIXES, Shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="a DuckDB file path or an SQLAlchemy URL")
    parser.add_argument("--accounts", type=int, default=1600, help="size of today's book (default 1600)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today(), help="last day of history")
    parser.add_argument("--usage-days", type=int, default=365, help="days of usage_daily to keep")
    parser.add_argument("--health-weeks", type=int, default=156, help="weekly health snapshots to keep")
    parser.add_argument("--mix", choices=sorted(SEGMENT_MIXES), default="reference",
                        help="segment mix: the reference company's, or tech_touch (70%% tech-touch accounts)")
    parser.add_argument("--app-schema", default="cockpit",
                        help="the app's own schema, where the demo's churn tags go (default cockpit)")
    parser.add_argument("--no-app-tables", action="store_true", help="the warehouse only: no demo write-back")
    args = parser.parse_args()
    shape = Shape(accounts=args.accounts, seed=args.seed, as_of=args.as_of,
                  usage_days=args.usage_days, health_weeks=args.health_weeks, mix=args.mix)
    seed = None
    if not args.no_app_tables:
        # The command line is where the two sides meet: the warehouse package itself never
        # imports the app, the app hands it the seeding of its own tables.
        from queries.demo_writeback import seeder
        seed = seeder(args.app_schema, seed=args.seed)
    try:
        if created := ensure_database(target_url(args.target)):
            print(f"created the database {created}")
    except TargetProblem as problem:
        sys.exit(f"cannot load the book: {problem}")  # no URL echoed: it may hold a password
    started = time.perf_counter()
    counts = build_warehouse(args.target, shape, progress=lambda step, _f: print(f"  {step}", flush=True),
                             seed_app_tables=seed)
    print(f"wrote {sum(counts.values()):,} rows to {args.target} in {time.perf_counter() - started:.1f}s")
    for table, rows in counts.items():
        print(f"  {table:24} {rows:>12,}")


if __name__ == "__main__":
    main()
