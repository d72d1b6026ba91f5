"""The app's engines: DuckDB reads are held to the app's memory cap (its default is 80% of the
machine), set after connecting so that another engine on the same file in the same process (the
loader's) still opens it: DuckDB refuses a second connection with different connect-time config."""
import duckdb
import sqlalchemy as sa

from queries.db import DUCKDB_APP_MEMORY, POSTGRES_APP_SETTINGS, engine_for
from tests.conftest import PG_URL, _postgres_or_skip


def test_the_apps_duckdb_connections_are_capped(tmp_path):
    url = f"duckdb:///{tmp_path / 'capped.duckdb'}"
    with engine_for(url).connect() as conn:
        shown = conn.exec_driver_sql("select current_setting('memory_limit')").scalar_one()
    with duckdb.connect() as fresh:
        default = fresh.execute("select current_setting('memory_limit')").fetchone()[0]
        fresh.execute(f"set memory_limit = '{DUCKDB_APP_MEMORY}'")
        assert shown == fresh.execute("select current_setting('memory_limit')").fetchone()[0] != default
        with sa.create_engine(url).connect() as loader:  # same file, same process, while the app's is open
            assert loader.exec_driver_sql("select 1").scalar_one() == 1
    engine_for(url).dispose()


def test_the_apps_postgres_sessions_run_with_the_apps_settings():
    """Every pooled connection, also one opened after a reconnect, runs with POSTGRES_APP_SETTINGS,
    while the server's own defaults (another client's session) stay as they were."""
    _postgres_or_skip()
    engine = engine_for(PG_URL)
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            for name, value in POSTGRES_APP_SETTINGS.items():
                assert conn.exec_driver_sql(f"show {name}").scalar_one() == value
    with sa.create_engine(PG_URL).connect() as other:
        assert other.exec_driver_sql("show work_mem").scalar_one() != POSTGRES_APP_SETTINGS["work_mem"]
    engine.dispose()
