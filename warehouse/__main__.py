"""Command line: generate the synthetic book into a DuckDB file or a PostgreSQL database.

    python -m warehouse --target data/demo-v3.duckdb
    python -m warehouse --target postgresql+psycopg2://postgres@127.0.0.1:5432/cockpit --accounts 20000
"""
import argparse
import datetime as dt
import time

from warehouse.build import build_warehouse
from warehouse.synth import Shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="a DuckDB file path or an SQLAlchemy URL")
    parser.add_argument("--accounts", type=int, default=1600, help="size of today's book (default 1600)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today(), help="last day of history")
    parser.add_argument("--usage-days", type=int, default=365, help="days of usage_daily to keep")
    parser.add_argument("--health-weeks", type=int, default=156, help="weekly health snapshots to keep")
    args = parser.parse_args()
    shape = Shape(accounts=args.accounts, seed=args.seed, as_of=args.as_of,
                  usage_days=args.usage_days, health_weeks=args.health_weeks)
    started = time.perf_counter()
    counts = build_warehouse(args.target, shape, progress=lambda step, _f: print(f"  {step}", flush=True))
    print(f"wrote {sum(counts.values()):,} rows to {args.target} in {time.perf_counter() - started:.1f}s")
    for table, rows in counts.items():
        print(f"  {table:24} {rows:>12,}")


if __name__ == "__main__":
    main()
