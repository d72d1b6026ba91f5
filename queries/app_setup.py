"""One-time setup by a database admin, so that the app runs with least privilege.

The app's PostgreSQL role needs only: read access to the warehouse contract's tables, and its own
schema for write-back, which it owns (it creates and upgrades its tables there on start). It
needs no CREATE on the database and no write on the warehouse. Run this once as an admin (the
role that loads or refreshes the warehouse, so that tables it rebuilds later stay readable):

    ./scripts/setup-app-schema --admin-url postgresql+psycopg2://admin@warehouse/analytics --app-role cockpit_app

`--print` shows the statements instead of running them, for a DBA to apply by hand.
"""
from __future__ import annotations

import argparse
import re

import sqlalchemy as sa

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _ident(name: str, what: str) -> str:
    if not _IDENTIFIER.fullmatch(name or ""):
        raise SystemExit(f"{what} must be a plain lower-case SQL name (letters, digits, _): {name!r}")
    return f'"{name}"'


def grant_statements(app_role: str, app_schema: str = "cockpit", contract_schema: str = "public") -> list[str]:
    """The exact statements: the app's schema owned by its role, and read-only access to the contract."""
    role, schema, contract = (_ident(app_role, "--app-role"), _ident(app_schema, "--app-schema"),
                              _ident(contract_schema, "--contract-schema"))
    return [
        f"create schema if not exists {schema} authorization {role}",
        f"grant usage on schema {contract} to {role}",
        f"grant select on all tables in schema {contract} to {role}",
        # tables the admin creates later (a rollup refresh) are readable too
        f"alter default privileges in schema {contract} grant select on tables to {role}",
    ]


def set_up(admin_url: str, app_role: str, app_schema: str = "cockpit", contract_schema: str = "public") -> None:
    engine = sa.create_engine(admin_url)
    try:
        with engine.begin() as conn:
            for statement in grant_statements(app_role, app_schema, contract_schema):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", help="SQLAlchemy URL of an admin connection to the warehouse database")
    parser.add_argument("--app-role", required=True, help="the PostgreSQL role the app connects as (must exist)")
    parser.add_argument("--app-schema", default="cockpit", help="the app's own schema (CS_COCKPIT_APP_SCHEMA)")
    parser.add_argument("--contract-schema", default="public", help="where the contract's tables live")
    parser.add_argument("--print", action="store_true", help="print the statements instead of running them")
    args = parser.parse_args()
    statements = grant_statements(args.app_role, args.app_schema, args.contract_schema)
    if args.print or not args.admin_url:
        print(";\n".join(statements) + ";")
        return
    try:
        set_up(args.admin_url, args.app_role, args.app_schema, args.contract_schema)
    except sa.exc.SQLAlchemyError as err:
        raise SystemExit(f"setup failed: {type(err).__name__}: {getattr(err, 'orig', err)}") from None
    print(f"schema {args.app_schema} is owned by {args.app_role}, which reads {args.contract_schema}'s tables")


if __name__ == "__main__":
    main()
