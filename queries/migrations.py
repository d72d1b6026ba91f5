"""The app's own tables (write-back), created and upgraded by the app in its own schema.

A small versioned runner: each migration is a list of portable statements; `schema_version`
records what ran, so a second start is a no-op and an upgrade only runs what is new. The
warehouse tables are never touched.
"""
from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from queries.db import Warehouse

CHURN_REASONS = [
    ("product_gap", "Product gap"),
    ("wrong_fit", "Wrong-fit customer"),
    ("champion_left", "Champion left"),
    ("budget_cut", "Budget cut"),
    ("competitor", "Moved to competitor"),
    ("poor_onboarding", "Poor onboarding"),
    ("support_experience", "Support experience"),
    ("closed_or_acquired", "Company closed / acquired"),
    ("other", "Other"),
]


def _v1(s: str) -> list[str]:
    seed = ", ".join(f"('{code}', '{label}', null)" for code, label in CHURN_REASONS)
    return [
        f"create table {s}.churn_reasons (code varchar primary key, label varchar not null, retired_at timestamp)",
        f"insert into {s}.churn_reasons (code, label, retired_at) values {seed}",
        f"create sequence {s}.churn_tag_ids",
        f"""create table {s}.churn_tags (
            tag_id bigint primary key default nextval('{s}.churn_tag_ids'),
            account_id integer not null,
            version integer not null,
            primary_reason varchar not null references {s}.churn_reasons (code),
            reasons varchar not null,
            note varchar,
            tagged_by varchar not null,
            tagged_at timestamp not null,
            unique (account_id, version))""",
        f"create sequence {s}.risk_flag_ids",
        f"""create table {s}.risk_flags (
            flag_id bigint primary key default nextval('{s}.risk_flag_ids'),
            account_id integer not null,
            severity integer not null check (severity between 1 and 3),
            reason varchar not null,
            raised_by varchar not null,
            raised_at timestamp not null)""",
        f"create sequence {s}.risk_flag_event_ids",
        f"""create table {s}.risk_flag_events (
            event_id bigint primary key default nextval('{s}.risk_flag_event_ids'),
            flag_id bigint not null references {s}.risk_flags (flag_id),
            event varchar not null,
            owner varchar,
            due_date date,
            note varchar,
            by_user varchar not null,
            event_at timestamp not null)""",
    ]


def _v2(s: str) -> list[str]:
    """Follow-ups: every submitted form's key, held unique so that a double click or a resubmitted
    form writes once even across app processes; touches logged from the account page; and an
    index for reading a flag's state from its events."""
    return [
        f"""create table {s}.submissions (
            submission_key varchar primary key,
            action varchar not null,
            by_user varchar not null,
            submitted_at timestamp not null)""",
        f"create sequence {s}.touch_ids",
        f"""create table {s}.touches (
            touch_id bigint primary key default nextval('{s}.touch_ids'),
            account_id integer not null,
            kind varchar not null,
            touched_on date not null,
            note varchar not null,
            by_user varchar not null,
            logged_at timestamp not null)""",
        f"create index touches_by_account on {s}.touches (account_id, touched_on)",
        f"create index flag_events_by_flag on {s}.risk_flag_events (flag_id, event_id)",
    ]


def _v3(s: str) -> list[str]:
    """The data version: one row that every write bumps in its transaction, so that several app
    servers know when their cached reads of these tables are stale (queries.db.data_version)."""
    return [
        f"create table {s}.data_version (version bigint not null)",
        f"insert into {s}.data_version (version) values (0)",
    ]


def _v4(s: str) -> list[str]:
    """Renewal forecasts CSMs record: one row per version (a change is a new row, never an update),
    keyed by the warehouse's renewal so accuracy can be read once the renewal closes."""
    return [
        f"create sequence {s}.renewal_forecast_ids",
        f"""create table {s}.renewal_forecasts (
            forecast_id bigint primary key default nextval('{s}.renewal_forecast_ids'),
            renewal_id integer not null,
            account_id integer not null,
            version integer not null,
            category varchar not null,
            expected_arr double precision not null check (expected_arr >= 0),
            note varchar,
            by_user varchar not null,
            recorded_at timestamp not null,
            unique (renewal_id, version))""",
        f"create index renewal_forecasts_by_account on {s}.renewal_forecasts (account_id)",
    ]


def _v5(s: str) -> list[str]:
    """Health-weight proposals from the score check's what-if: each saved proposal is a new
    version (never updated), attributed, with a note and the check it was judged on; one row per
    component holds its proposed weight. For the data team that owns the scoring: the warehouse's
    score is not changed by them."""
    return [
        f"create sequence {s}.weight_proposal_ids",
        f"""create table {s}.weight_proposals (
            proposal_id bigint primary key default nextval('{s}.weight_proposal_ids'),
            version integer not null unique,
            note varchar not null,
            lead_days integer not null,
            quarters integer not null,
            proposed_by varchar not null,
            proposed_at timestamp not null)""",
        f"""create table {s}.weight_proposal_weights (
            proposal_id bigint not null references {s}.weight_proposals (proposal_id),
            component varchar not null,
            weight double precision not null check (weight >= 0 and weight <= 1),
            primary key (proposal_id, component))""",
    ]


MIGRATIONS = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5}


SETUP_COMMAND = "./scripts/setup-app-schema --admin-url URL --app-role ROLE"


class AppSchemaMissing(RuntimeError):
    """The app's own schema does not exist and the app may not create it (it reads the warehouse
    with a role that has no CREATE on the database, by design)."""

    def __init__(self, schema: str):
        super().__init__(f"The app schema {schema!r} does not exist. A database admin creates it once with "
                         f"{SETUP_COMMAND} (see the README's 'Least privilege' section).")
        self.schema = schema


def _schema_exists(conn, schema: str) -> bool:
    return bool(conn.execute(sa.text("select count(*) from information_schema.schemata where schema_name = :s"),
                             {"s": schema}).scalar_one())


def migrate(wh: Warehouse, create_schema: bool = False) -> int:
    """Bring the app schema to the newest version; return how many migrations ran.

    On PostgreSQL the schema must exist already (the setup command creates it, owned by the app's
    role): the app never needs CREATE on the database. The embedded DuckDB demo is the app's own
    file, so there it is created; `create_schema` lets an admin's tool (the loader, tests) do so too."""
    s = wh.app_schema
    ran = 0
    with wh.engine.begin() as conn:
        if not _schema_exists(conn, s):
            if not (create_schema or wh.engine.dialect.name == "duckdb"):
                raise AppSchemaMissing(s)
            conn.exec_driver_sql(f"create schema {s}")
        conn.exec_driver_sql(f"create table if not exists {s}.schema_version "
                             f"(version integer primary key, applied_at timestamp not null)")
        if wh.engine.dialect.name == "postgresql":  # two app processes starting at once
            conn.exec_driver_sql(f"lock table {s}.schema_version in exclusive mode")
        # every migration not yet recorded, in order: one merged after a later one (branches land in
        # any order) still runs, so a schema never silently lacks a version
        applied = set(conn.exec_driver_sql(f"select version from {s}.schema_version").scalars())
        for version in sorted(set(MIGRATIONS) - applied):
            for statement in MIGRATIONS[version](s):
                conn.exec_driver_sql(statement)
            conn.execute(sa.text(f"insert into {s}.schema_version (version, applied_at) "
                                 f"values (:v, current_timestamp)"), {"v": version})
            ran += 1
    return ran


@st.cache_resource(show_spinner=False, max_entries=8)
def ensure_app_tables(wh: Warehouse) -> int:
    """Once per process and warehouse: the app's tables exist and are current."""
    return migrate(wh)
