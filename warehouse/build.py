"""Build a warehouse: generate the synthetic book, load it, run `dbt build`, and call a hook the
caller may pass (the app's demo write-back: queries/demo_book.py). The one build behind
`python -m warehouse`, `python -m queries.demo_book`, the app's first start and the tests."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from warehouse.load import write_tables
from warehouse.schema import metadata
from warehouse.synth import Shape, generate_stream
from warehouse.transform import run_dbt

Progress = Callable[[str, float], None]


def target_url(target: str) -> str:
    """A bare path means a DuckDB file; anything with '://' is already an SQLAlchemy URL."""
    return target if "://" in target else f"duckdb:///{Path(target).resolve()}"


def _announced(stream, report: Progress):
    """The stream as it is, reporting each table as it starts."""
    seen: set[str] = set()
    for table, frame in stream:
        if table not in seen:
            seen.add(table)
            report(f"generating and loading {table}", 0.02 + 0.5 * len(seen) / len(metadata.tables))
        yield table, frame


def build_warehouse(target: str, shape: Shape, progress: Progress | None = None,
                    seed_app_tables: Callable[[str], object] | None = None,
                    dbt_vars: dict | None = None) -> dict[str, int]:
    """Generate `shape` into `target`, build the marts with dbt (tests included) under `dbt_vars`
    (the project's defaults when None), then let `seed_app_tables(url)` write the app's demo
    history (the app passes its own hook and vars: the warehouse side never imports the app). A DuckDB file is built in a folder beside it and
    moved into place at the end, so a reader never sees a half-built file; the file keeps its
    name while building, since DuckDB views name their database after it."""
    report = progress or (lambda _step, _fraction: None)
    url, final_path, building = target_url(target), None, None
    if "://" not in target:
        final_path = Path(target).resolve()
        building = final_path.parent / f".building-{final_path.name}"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        url = f"duckdb:///{building / final_path.name}"
    report("generating and loading the synthetic book", 0.02)
    engine = sa.create_engine(url)
    try:
        counts = write_tables(engine, _announced(generate_stream(shape), report))
    finally:
        engine.dispose()
    report("dbt build: marts and the contract's tests", 0.55)
    run_dbt(url, "build", variables=dbt_vars, progress=lambda done, total: report(
        f"dbt build: {done} of {total} models and tests", 0.55 + 0.35 * done / max(total, 1)))
    if seed_app_tables is not None:
        report("adding the demo's write-back history", 0.92)
        seed_app_tables(url)
    if final_path is not None:
        os.replace(building / final_path.name, final_path)
        shutil.rmtree(building, ignore_errors=True)
    report("done", 1.0)
    return counts
