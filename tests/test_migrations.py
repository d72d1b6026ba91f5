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


def test_a_migration_merged_after_a_later_one_still_runs(backend, empty_warehouse, monkeypatch):
    """Branches land in any order: a schema at 1, 2, 3, 5 gets 4 when 4 arrives, and only 4."""
    wh = empty_warehouse
    newest = max(migrations.MIGRATIONS)
    gap, later = newest + 1, newest + 2
    ran = []
    monkeypatch.setattr(migrations, "MIGRATIONS", {**migrations.MIGRATIONS, later: lambda s: ran.append(later) or []})
    assert migrations.migrate(wh) == 1
    monkeypatch.setattr(migrations, "MIGRATIONS", {**migrations.MIGRATIONS, gap: lambda s: ran.append(gap) or []})
    assert migrations.migrate(wh) == 1 and migrations.migrate(wh) == 0
    assert ran == [later, gap]
    assert count(wh, f"select count(*) from {wh.app_schema}.schema_version where version in ({gap}, {later})") == 2
