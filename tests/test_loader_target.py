"""The loader's PostgreSQL target: a missing database is created; an unreachable server or a
database the user may not create gets one sentence, never a traceback."""
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import APP_ROLE, PG_URL, _ensure_app_role, _postgres_or_skip
from warehouse.database import TargetProblem, ensure_database


def database_exists(name: str) -> bool:
    with sa.create_engine(PG_URL).connect() as conn:
        return conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name}).first() is not None


def drop_database(name: str) -> None:
    with sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql(f'drop database if exists "{name}"')


def test_a_missing_database_is_created_once():
    _postgres_or_skip()
    name = f"loader_{uuid.uuid4().hex[:8]}"
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        assert ensure_database(url) == name and database_exists(name)
        assert ensure_database(url) is None  # there now: left as it is
    finally:
        drop_database(name)


def test_a_user_who_may_not_create_it_is_told_how():
    _postgres_or_skip()
    _ensure_app_role()  # logs in, no CREATEDB
    name = f"loader_{uuid.uuid4().hex[:8]}"
    url = sa.make_url(PG_URL).set(database=name, username=APP_ROLE).render_as_string(hide_password=False)
    with pytest.raises(TargetProblem, match=f"createdb .* -O {APP_ROLE} {name}"):
        ensure_database(url)
    assert not database_exists(name)


@pytest.mark.parametrize("command", ["warehouse", "queries.demo_book"])
def test_the_command_line_says_it_in_one_sentence(command):
    done = subprocess.run([sys.executable, "-m", command, "--target",
                           "postgresql+psycopg2://nobody@127.0.0.1:1/cockpit"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "did not answer" in done.stderr


def test_a_duckdb_target_is_not_a_database_to_create(tmp_path):
    assert ensure_database(f"duckdb:///{tmp_path / 'x.duckdb'}") is None


def test_the_two_builds_from_the_command_line(tmp_path):
    """`python -m warehouse` (the data team's) builds the contract's tables and the marts and
    nothing of the app; `python -m queries.demo_book` (the app's) builds the same book and seeds
    the app's demo write-back history in its schema."""
    books = {}
    for command in ("warehouse", "queries.demo_book"):
        target = tmp_path / f"{command}.duckdb"
        done = subprocess.run([sys.executable, "-m", command, "--target", str(target), "--accounts", "120",
                               "--usage-days", "120", "--health-weeks", "30"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        engine = sa.create_engine(f"duckdb:///{target}")
        with engine.connect() as conn:
            schemas = set(conn.exec_driver_sql("select schema_name from information_schema.schemata").scalars())
            books[command] = (conn.exec_driver_sql("select count(*), sum(arr) from account_snapshot").one(),
                              conn.exec_driver_sql("select count(*) from cockpit.churn_tags").scalar_one()
                              if "cockpit" in schemas else None)
        engine.dispose()
    assert books["warehouse"][0] == books["queries.demo_book"][0]  # the same book, the same marts
    assert books["warehouse"][1] is None  # no app schema
    assert books["queries.demo_book"][1] > 0  # churns tagged
