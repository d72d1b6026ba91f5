"""Generate a book and write it to a target; the one entry point for the CLI, the app and tests."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from warehouse.load import write_tables
from warehouse.synth import Shape, generate


def target_url(target: str) -> str:
    """A bare path means a DuckDB file; anything with '://' is already an SQLAlchemy URL."""
    return target if "://" in target else f"duckdb:///{Path(target).resolve()}"


def build_warehouse(target: str, shape: Shape, progress: Callable[[str, float], None] | None = None) -> dict[str, int]:
    """Generate `shape` into `target`. A DuckDB file is written beside and renamed into place,
    so a reader never sees a half-built file."""
    report = progress or (lambda _step, _fraction: None)
    report("generating the synthetic book", 0.05)
    frames = generate(shape)
    counts = {name: frame.height for name, frame in frames.items()}
    url = target_url(target)
    final_path = None
    if url.startswith("duckdb:///") and "://" not in target:
        final_path = Path(target).resolve()
        final_path.parent.mkdir(parents=True, exist_ok=True)
        partial = final_path.with_suffix(".partial.duckdb")
        partial.unlink(missing_ok=True)
        url = f"duckdb:///{partial}"
    report("loading tables and building rollups", 0.5)
    engine = sa.create_engine(url)
    try:
        write_tables(engine, frames)
    finally:
        engine.dispose()
    if final_path is not None:
        os.replace(partial, final_path)
    report("done", 1.0)
    return counts
