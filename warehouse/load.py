"""Write a generated book into a warehouse (DuckDB file or PostgreSQL URL): the contract's tables only.

Bulk paths only: DuckDB inserts from Arrow, PostgreSQL takes COPY in chunks. The marts the app
reads are built afterwards by dbt (transform/, run by warehouse/transform.py).
"""
from __future__ import annotations

import io
from typing import Iterable

import polars as pl
import sqlalchemy as sa

from warehouse.schema import POSTGRES_INDEXES, metadata

COPY_CHUNK_ROWS = 1_000_000


def _copy_postgres(conn: sa.Connection, table: str, frame: pl.DataFrame) -> None:
    cursor = conn.connection.dbapi_connection.cursor()
    columns = ", ".join(frame.columns)
    for lo in range(0, frame.height, COPY_CHUNK_ROWS):
        buffer = io.BytesIO()
        frame.slice(lo, COPY_CHUNK_ROWS).write_csv(buffer, include_header=False)
        buffer.seek(0)
        cursor.copy_expert(f"copy {table} ({columns}) from stdin with (format csv)", buffer)


def write_tables(engine: sa.Engine, frames: dict[str, pl.DataFrame] | Iterable[tuple[str, pl.DataFrame]]
                 ) -> dict[str, int]:
    """Drop and recreate the contract's tables, then bulk-load the frames: a dict of whole tables,
    or (table, chunk) pairs that are written as they come and then dropped, so a streamed book is
    never held whole. Returns the rows written per table. On PostgreSQL the staging views dbt made
    over the old tables go with them (cascade); dbt rebuilds them."""
    postgres = engine.dialect.name == "postgresql"
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.exec_driver_sql(f"drop table if exists {table.name}{' cascade' if postgres else ''}")
        metadata.create_all(conn)
        for name, frame in (frames.items() if isinstance(frames, dict) else frames):
            counts[name] = counts.get(name, 0) + frame.height
            if postgres:
                _copy_postgres(conn, name, frame)
            else:
                duck = conn.connection.dbapi_connection
                duck.register("incoming", frame.to_arrow())
                cols = ", ".join(frame.columns)
                duck.execute(f"insert into {name} ({cols}) select {cols} from incoming")
                duck.unregister("incoming")
            del frame
        if postgres:
            for table, column_lists in POSTGRES_INDEXES.items():
                for i, columns in enumerate(column_lists):
                    conn.exec_driver_sql(f"create index ix_{table}_{i} on {table} ({columns})")
            conn.exec_driver_sql("analyze")  # the planner's statistics, before dbt reads the tables
    return counts
