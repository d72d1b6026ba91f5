"""The app's own tables: created on first start, untouched on the second, upgraded keeping data."""
import pytest

from queries import migrations
from tests.builders import count


def test_second_start_is_a_no_op_and_an_upgrade_keeps_data(backend, empty_warehouse, monkeypatch):
    wh = empty_warehouse  # the fixture already ran migrate() once
    s = wh.app_schema
    assert migrations.migrate(wh) == 0
    assert count(wh, f"select count(*) from {s}.churn_reasons") == len(migrations.CHURN_REASONS)
    with wh.engine.begin() as conn:
        conn.exec_driver_sql(f"insert into {s}.churn_tags (account_id, version, primary_reason, reasons, "
                             f"tagged_by, tagged_at) values (7, 1, 'budget_cut', 'budget_cut', 'a@x', "
                             f"current_timestamp)")
    newest = max(migrations.MIGRATIONS)
    upgraded = {**migrations.MIGRATIONS,
                newest + 1: lambda s: [f"alter table {s}.churn_tags add column source varchar"]}
    monkeypatch.setattr(migrations, "MIGRATIONS", upgraded)
    assert migrations.migrate(wh) == 1
    assert migrations.migrate(wh) == 0
    assert count(wh, f"select count(*) from {s}.churn_tags where account_id = 7 and source is null") == 1
    assert count(wh, f"select max(version) from {s}.schema_version") == newest + 1


def test_the_warehouse_tables_are_left_alone(backend, empty_warehouse):
    assert count(empty_warehouse, "select count(*) from accounts") == 0
    with pytest.raises(ValueError):
        type(empty_warehouse)(empty_warehouse.url, app_schema="cockpit; drop table accounts")
