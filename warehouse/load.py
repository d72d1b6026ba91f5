"""Write a generated book into a warehouse (DuckDB file or PostgreSQL URL) and build its rollups.

Bulk paths only: DuckDB inserts from Arrow, PostgreSQL takes COPY in chunks. The rollups are the
reference SQL in rollups.sql, the same text a data team would lift into dbt.
"""
from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from warehouse.schema import POSTGRES_INDEXES, metadata

ROLLUPS = Path(__file__).with_name("rollups.sql")
COPY_CHUNK_ROWS = 1_000_000


def sql_statements(path: Path) -> list[str]:
    """Split a .sql file into statements (no semicolons inside our literals)."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def build_rollups(engine: sa.Engine) -> None:
    """(Re)build account_snapshot and friends from the warehouse tables."""
    with engine.begin() as conn:
        for statement in sql_statements(ROLLUPS):
            conn.exec_driver_sql(statement)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("create unique index ix_snapshot_account on account_snapshot (account_id)")
            conn.exec_driver_sql("create index ix_snapshot_as_of on account_snapshot (as_of)")  # max(as_of)
            conn.exec_driver_sql("create index ix_health_weekly_day on health_weekly (day)")
            conn.exec_driver_sql("analyze")


def _copy_postgres(conn: sa.Connection, table: str, frame: pl.DataFrame) -> None:
    cursor = conn.connection.dbapi_connection.cursor()
    columns = ", ".join(frame.columns)
    for lo in range(0, frame.height, COPY_CHUNK_ROWS):
        buffer = io.BytesIO()
        frame.slice(lo, COPY_CHUNK_ROWS).write_csv(buffer, include_header=False)
        buffer.seek(0)
        cursor.copy_expert(f"copy {table} ({columns}) from stdin with (format csv)", buffer)


def write_tables(engine: sa.Engine, frames: dict[str, pl.DataFrame]) -> None:
    """Drop and recreate the warehouse tables, then bulk-load the frames."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table if exists cohort_retention")
        conn.exec_driver_sql("drop table if exists health_weekly")
        conn.exec_driver_sql("drop table if exists account_snapshot")
        metadata.drop_all(conn)
        metadata.create_all(conn)
        for name, frame in frames.items():
            if postgres:
                _copy_postgres(conn, name, frame)
            else:
                duck = conn.connection.dbapi_connection
                duck.register("incoming", frame.to_arrow())
                cols = ", ".join(frame.columns)
                duck.execute(f"insert into {name} ({cols}) select {cols} from incoming")
                duck.unregister("incoming")
        if postgres:
            for table, column_lists in POSTGRES_INDEXES.items():
                for i, columns in enumerate(column_lists):
                    conn.exec_driver_sql(f"create index ix_{table}_{i} on {table} ({columns})")
    build_rollups(engine)
