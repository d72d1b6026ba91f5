"""The app's demo book: generate the synthetic book, load it, `dbt build` it with the app's
definitions as vars, and seed the app's demo write-back history (churn tags, renewal forecasts)
through the build's hook. The one entry point behind the app's first start, the tests' demo books
and the command line (the warehouse side, `python -m warehouse`, builds the same book without the
app's tables):

    python -m queries.demo_book --target data/demo.duckdb
    python -m queries.demo_book --target postgresql+psycopg2://postgres@127.0.0.1:5432/cockpit --accounts 20000
"""
from __future__ import annotations

from typing import Callable

from queries import definitions
from queries.db import Warehouse, engine_for
from queries.demo_writeback import seed_demo_writeback
from warehouse.build import Progress, build_warehouse
from warehouse.cli import parser, run
from warehouse.synth import Shape


def seeder(app_schema: str = "cockpit", seed: int = 42,
           open_app: Callable[[str], Warehouse] | None = None) -> Callable[[str], int]:
    """The build's hook: on the freshly built warehouse at `url`, create the app's tables and seed
    the demo's history. `open_app(url)` is the Warehouse to seed through (default: `url` itself,
    creating `app_schema`; the tests pass the app's least-privileged role). Engines are closed
    again: a DuckDB file is moved into place right after."""
    def seed_app_tables(url: str) -> int:
        wh = open_app(url) if open_app else Warehouse(url, app_schema)
        try:
            return seed_demo_writeback(wh, seed, create_schema=open_app is None)
        finally:
            engine_for(wh.url).dispose()
            engine_for(url).dispose()
    return seed_app_tables


def build_demo(target: str, shape: Shape, progress: Progress | None = None, app_schema: str = "cockpit",
               seed: int = 42, open_app: Callable[[str], Warehouse] | None = None) -> dict[str, int]:
    """Build the book at `target` with the app's dbt vars and seed its write-back history; returns
    the rows written per contract table."""
    return build_warehouse(target, shape, progress=progress,
                           seed_app_tables=seeder(app_schema, seed=seed, open_app=open_app),
                           dbt_vars=definitions.dbt_vars())


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--app-schema", default="cockpit",
                   help="the app's own schema, where the demo's write-back history goes (default cockpit)")
    args = p.parse_args()
    run(args, seed_app_tables=seeder(args.app_schema, seed=args.seed), dbt_vars=definitions.dbt_vars())


if __name__ == "__main__":
    main()
