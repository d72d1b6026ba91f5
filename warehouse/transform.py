"""Run the dbt project in transform/ on a warehouse given by its SQLAlchemy URL.

dbt is run in-process through its Python runner (dbtRunner). The profile is written from the URL
into a scratch folder, so the app, the CLI and the tests need no profiles.yml of their own:
a DuckDB file becomes a dbt-duckdb target, a PostgreSQL URL a dbt-postgres target whose schema is
the URL's search_path (where the contract's tables are, and where the marts go).
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

import sqlalchemy as sa

PROJECT = Path(__file__).resolve().parent.parent / "transform"
PROFILE = "cs_cockpit"


class DbtFailed(RuntimeError):
    """dbt build did not succeed: a model failed to build or a data test found rows that break the contract."""


@dataclass(frozen=True)
class DbtRun:
    models: int
    tests: int
    failures: list[str]
    target: Path  # dbt's target/ of the run: manifest.json, and catalog.json after `docs generate`


def _postgres_schema(url: sa.URL) -> str:
    """The first schema of `options=-csearch_path=...` in the URL, else public."""
    for option in unquote(url.query.get("options", "")).split():
        if option.startswith("-csearch_path="):
            return option.split("=", 1)[1].split(",")[0].strip()
    return "public"


def profile(url: str, threads: int = 2) -> dict:
    """A dbt profile for the warehouse at `url`."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "duckdb":
        # DuckDB's default memory limit is 80% of the machine: the marts build within 2 GB,
        # spilling to disk past it, so a build never crowds out the app or a warehouse beside it
        output = {"type": "duckdb", "path": parsed.database, "threads": threads,
                  "settings": {"memory_limit": "2GB"}}
    elif parsed.get_backend_name() == "postgresql":
        output = {"type": "postgres", "host": parsed.host or "127.0.0.1", "port": parsed.port or 5432,
                  "user": parsed.username or "postgres", "password": parsed.password or "",
                  "dbname": parsed.database or "postgres", "schema": _postgres_schema(parsed),
                  "threads": threads, "connect_timeout": 10}
    else:
        raise ValueError(f"no dbt target for {parsed.get_backend_name()!r} warehouses")
    return {PROFILE: {"target": "app", "outputs": {"app": output}}}


def _scratch(url: str, variables: dict) -> Path:
    """One scratch folder per warehouse and vars: its profiles.yml, dbt's target/ and logs/ (so
    partial parsing works when the same warehouse is rebuilt)."""
    key = hashlib.sha256(json.dumps([url, variables], sort_keys=True).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "cs-cockpit-dbt" / key
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open after a run, and DuckDB refuses a second connection to
    the same file with another configuration in the same process (the app's, the tests'): close it."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    environment = DuckDBConnectionManager._ENV  # no public handle to the open database
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()


# A process that builds many warehouses (the test suite: a book per test module and engine) need
# not parse the project for each. dbt's own partial parsing starts over whenever the connection
# differs, and parsing is ~5 s of every run on a fresh warehouse. With REUSE_PARSE on, the first
# parse per engine and vars is kept, and later runs get a copy of it with its relations pointed at
# their own warehouse (a parsed node carries its database and schema). Off by default: the app
# builds once per process; tests/conftest.py turns it on.
REUSE_PARSE = False
_parsed: dict[tuple, tuple] = {}  # (engine, vars, project files) -> (manifest, (database, schema))


def _where(url: str) -> tuple[str, str]:
    """The database and schema dbt puts the marts in for the warehouse at `url`."""
    output = profile(url)[PROFILE]["outputs"]["app"]
    if output["type"] == "duckdb":
        from dbt.adapters.duckdb.credentials import DuckDBCredentials
        return DuckDBCredentials.path_derived_database_name(output["path"]), "main"
    return output["dbname"], output["schema"]


def _project_files() -> tuple:
    return tuple(sorted((str(p), p.stat().st_mtime_ns) for p in PROJECT.rglob("*")
                        if p.is_file() and p.suffix in (".sql", ".yml", ".yaml", ".md")
                        and not p.is_relative_to(PROJECT / "target") and not p.is_relative_to(PROJECT / "logs")))


def _retargeted(manifest, parsed_at: tuple[str, str], target: tuple[str, str]):
    """A copy of `manifest` (parsed for a warehouse at `parsed_at`) with every node and source
    that pointed there pointing at `target` instead."""
    (old_db, old_schema), (new_db, new_schema) = parsed_at, target
    copy = manifest.deepcopy()
    for node in [*copy.nodes.values(), *copy.sources.values()]:
        if node.database == old_db:
            node.database = new_db
        if node.schema == old_schema:
            node.schema = new_schema
        elif node.schema.startswith(old_schema + "_"):  # a test's audit schema, <schema>_dbt_test__audit
            node.schema = new_schema + node.schema[len(old_schema):]
        if getattr(node, "relation_name", None):
            node.relation_name = node.relation_name.replace(f'"{old_db}".', f'"{new_db}".', 1) \
                .replace(f'."{old_schema}".', f'."{new_schema}".', 1)
    copy.build_flat_graph()
    return copy


def run_dbt(url: str, command: str = "build", variables: dict | None = None, as_of=None,
            select: str | None = None, progress: Callable[[int, int], None] | None = None) -> DbtRun:
    """`dbt <command>` (e.g. "build", "docs generate") on the warehouse at `url` with `variables` (dbt vars; the project's
    defaults for the rest) and, if given, `as_of` as the day the marts describe; raises DbtFailed
    with every failing node's message. `progress(done, total)` is called as nodes finish. A DuckDB
    file must not be open elsewhere in this process while dbt runs (dispose the engine first).

    The app passes queries.definitions.dbt_vars(); the warehouse side never imports the app."""
    from dbt.cli.main import dbtRunner  # imported on use: dbt is heavy and only builds need it

    variables = {**(variables or {}), **({"cs_cockpit_as_of": as_of.isoformat()} if as_of else {})}
    scratch = _scratch(url, variables)
    # JSON is YAML: the profile needs no YAML writer
    (scratch / "profiles.yml").write_text(json.dumps(profile(url)))
    total = [0]
    done = [0]

    def on_event(event) -> None:
        name = event.info.name
        if name == "ConcurrencyLine":
            total[0] = event.data.node_count
        elif name == "NodeFinished" and progress is not None:
            if event.data.node_info.materialized == "ephemeral":
                return  # inlined into the marts: not among the nodes dbt counts
            done[0] += 1
            progress(done[0], total[0])

    args = [*command.split(), "--project-dir", str(PROJECT), "--profiles-dir", str(scratch),
            "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs"),
            "--vars", json.dumps(variables), "--quiet"]
    if select:
        args += ["--select", select]
    manifest = None
    if REUSE_PARSE:
        key = (profile(url)[PROFILE]["outputs"]["app"]["type"], json.dumps(variables, sort_keys=True),
               _project_files())
        if key not in _parsed:
            parse_args = ["parse", *args[len(command.split()):]]
            if select:
                parse_args = parse_args[:-2]
            try:
                parsed = dbtRunner().invoke(parse_args, send_anonymous_usage_stats=False)
            finally:
                _release_duckdb()
            if parsed.success:
                _parsed[key] = (parsed.result, _where(url))
        if key in _parsed:
            manifest = _retargeted(*_parsed[key], _where(url))
    try:
        result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(args, send_anonymous_usage_stats=False)
    finally:
        _release_duckdb()
    if result.exception is not None:
        raise DbtFailed(f"dbt {command} could not run: {result.exception}") from result.exception
    # `docs generate` answers with a catalog, not node results
    nodes = list(getattr(result.result, "results", None) or [])
    failures = [f"{n.node.unique_id}: {n.message}" for n in nodes
                if str(n.status) in ("error", "fail", "runtime error")]
    if failures or not result.success:
        raise DbtFailed(f"dbt {command} failed:\n" + "\n".join(failures or ["(no node reported why)"]))
    kinds = [n.node.resource_type for n in nodes]
    return DbtRun(models=sum(1 for k in kinds if k == "model"), tests=sum(1 for k in kinds if k == "test"),
                  failures=failures, target=scratch / "target")
