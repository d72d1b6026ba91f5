"""Rebuild the marts of an existing warehouse in place with `dbt build` (models and the contract's
tests): `python -m warehouse.refresh --target URL [--as-of YYYY-MM-DD]`."""
import argparse
import datetime as dt
import sys

from warehouse.build import target_url
from warehouse.transform import DbtFailed, run_dbt

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True, help="a DuckDB file path or an SQLAlchemy URL")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="the day the marts describe (default: the newest health snapshot day)")
    args = parser.parse_args()
    try:
        run = run_dbt(target_url(args.target), "build", as_of=args.as_of)
    except DbtFailed as failed:
        sys.exit(str(failed))
    print(f"dbt build: {run.models} models built, {run.tests} tests passed")
