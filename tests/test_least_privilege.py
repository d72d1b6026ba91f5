"""The app runs on PostgreSQL as a role that reads the contract and owns its own schema, nothing more."""
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from components.identity import UNSAFE_DEMO_ENV
from queries import writeback as wb
from queries.db import APP_SCHEMA_ENV, URL_ENV, Warehouse
from queries.migrations import SETUP_COMMAND, AppSchemaMissing, migrate
from tests.apptest import keep_apptest_on_navigation
from tests.conftest import APP_ROLE, PG_URL

ROOT = Path(__file__).resolve().parent.parent


def test_the_apps_role_can_read_but_not_write_the_warehouse_nor_create_schemas(demo_warehouses):
    wh = demo_warehouses("postgres")
    assert sa.make_url(wh.url).username == APP_ROLE
    with wh.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from accounts").scalar_one() > 0
    for statement in ("update accounts set name = 'x'", "create schema not_mine",
                      "create table accounts_copy as select * from accounts", "drop table csms"):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
            with wh.engine.begin() as conn:
                conn.exec_driver_sql(statement)


def test_without_its_schema_the_app_names_the_setup_command(demo_warehouses, monkeypatch):
    wh = demo_warehouses("postgres")
    missing = Warehouse(wh.url, app_schema=f"nope_{uuid.uuid4().hex[:8]}")
    with pytest.raises(AppSchemaMissing, match="setup-app-schema"):
        migrate(missing)
    keep_apptest_on_navigation(monkeypatch.setattr)
    monkeypatch.setenv(URL_ENV, missing.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, missing.app_schema)
    monkeypatch.setenv(UNSAFE_DEMO_ENV, "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("own schema is missing" in e.value for e in at.error)
    assert any(SETUP_COMMAND in c.value for c in at.code)
    assert not at.metric and not at.dataframe


def test_the_setup_command_gives_the_role_a_schema_it_then_writes_in(demo_warehouses):
    wh = demo_warehouses("postgres")
    schema = f"setup_{uuid.uuid4().hex[:8]}"
    contract = sa.make_url(wh.url).query["options"].removeprefix("-csearch_path=")
    done = subprocess.run([sys.executable, "-m", "queries.app_setup", "--admin-url", PG_URL, "--app-role", APP_ROLE,
                           "--app-schema", schema, "--contract-schema", contract],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    mine = Warehouse(wh.url, app_schema=schema)
    try:
        assert migrate(mine) >= 1
        with wh.engine.connect() as conn:
            account, csm = conn.exec_driver_sql("select a.account_id, c.email from accounts as a "
                                                "join csms as c on c.csm_id = a.csm_id limit 1").one()
        writer = wb.Writer(email=csm, role="leader", team=None, csm_id=None)
        flag = wb.raise_flag(mine, writer, account, 2, "least-privilege check", None, csm)
        with mine.engine.connect() as conn:
            owner = conn.exec_driver_sql(f"select tableowner from pg_tables where schemaname = '{schema}' "
                                         f"and tablename = 'risk_flags'").scalar_one()
            assert conn.exec_driver_sql(f"select reason from {schema}.risk_flags where flag_id = {flag}").scalar_one() \
                == "least-privilege check"
        assert owner == APP_ROLE
    finally:
        with sa.create_engine(PG_URL).begin() as conn:
            conn.exec_driver_sql(f"drop schema if exists {schema} cascade")
