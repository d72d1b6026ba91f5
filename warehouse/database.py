"""The target PostgreSQL database of the loader: created when it does not exist yet, or a plain
sentence saying how to create it (never a traceback for a missing database)."""
from __future__ import annotations

import sqlalchemy as sa


class TargetProblem(Exception):
    """The target cannot be used; the message says why and what to do."""


def ensure_database(url: str) -> str | None:
    """Create the database `url` names when the server answers but the database does not exist,
    and return its name; a DuckDB target or an existing database is left as it is (None)."""
    target = sa.make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        return None
    connect_args = {"connect_timeout": 5}
    probe = sa.create_engine(target, connect_args=connect_args, poolclass=sa.pool.NullPool)
    try:
        with probe.connect():
            return None
    except sa.exc.OperationalError as err:
        if "does not exist" not in str(err.orig):
            raise TargetProblem(f"PostgreSQL at {target.host}:{target.port or 5432} did not answer as "
                                f"{target.username}: {_first_line(err)}") from None
    finally:
        probe.dispose()
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             connect_args=connect_args, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            name = conn.dialect.identifier_preparer.quote(target.database)
            conn.exec_driver_sql(f"create database {name}")
    except sa.exc.DBAPIError as err:
        raise TargetProblem(
            f"The database {target.database!r} does not exist and {target.username} cannot create it "
            f"({_first_line(err)}). Ask an administrator to run: "
            f"createdb -h {target.host} -p {target.port or 5432} -U postgres -O {target.username} "
            f"{target.database}") from None
    finally:
        admin.dispose()
    return target.database


def _first_line(err: sa.exc.DBAPIError) -> str:
    return str(err.orig).strip().splitlines()[0] if err.orig else str(err)
