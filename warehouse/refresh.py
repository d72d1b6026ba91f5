"""Rebuild the rollups of an existing warehouse in place: `python -m warehouse.refresh --target URL`."""
import argparse

import sqlalchemy as sa

from warehouse.build import target_url
from warehouse.load import build_rollups

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True, help="a DuckDB file path or an SQLAlchemy URL")
    engine = sa.create_engine(target_url(parser.parse_args().target))
    build_rollups(engine)
    print("account_snapshot rebuilt")
