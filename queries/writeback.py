"""Write-back: churn-reason tags and risk flags, and their history.

Every write is validated first, strictly and without coercion, by queries.validate (a
`Rejected` carries the message for the user, and nothing is written), checked against the
writer's rights on the account, attributed to the signed-in viewer (never to a name typed in a
form), parameterised, and appended: a re-tag is a new version, a flag changes only by adding
events, and bumps the app tables' data version in the same transaction (so every app server's
cached reads of them go stale at once, queries.db.data_version). Writes on one account are serialised (an advisory lock on PostgreSQL, a process lock
on the embedded DuckDB file) so that two people writing at the same moment both succeed, in
order.
"""
from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from queries import flags, roles, validate
from queries.db import Warehouse, bump_data_version, fetch, forget_cached_writes, reads_writeback
from queries.definitions import TOUCH_KINDS
from queries.flags import open_flags_cte
from queries.validate import Rejected

REASON_MAX = 200
NOTE_MAX = 2000
SEVERITIES = {1: "low", 2: "medium", 3: "high"}
_LOCK_CLASS = 7401  # advisory-lock namespace for write-back on one account
_duckdb_lock = threading.Lock()  # the embedded file has one writer process: this one


class AlreadySaved(Rejected):
    """The same submitted form arrived again (a double click, a resubmit): its first arrival was
    written, this one is not."""


@dataclass(frozen=True)
class Writer:
    """Who writes: from the signed-in viewer, never from the form."""
    email: str
    role: str
    team: str | None
    csm_id: int | None


# --- reads (cached; cleared after every write) ---------------------------------------------------
@reads_writeback
def reasons(wh: Warehouse, include_retired: bool = False) -> pl.DataFrame:
    where = "" if include_retired else "where retired_at is null"
    return fetch(wh, sa.text(f"select code, label, retired_at from {wh.app_schema}.churn_reasons {where} "
                             f"order by case when code = 'other' then 1 else 0 end, label"))


@reads_writeback
def tag_history(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """Every version of the account's churn tag, newest first; its reasons in words (they are
    stored as a list of codes, which retired reasons keep their labels for)."""
    words = dict(reasons(wh, include_retired=True).select("code", "label").iter_rows())
    history = fetch(wh, sa.text(f"""
        select t.version, r.label as primary_reason, t.reasons, t.note, t.tagged_by,
               coalesce(c.name, t.tagged_by) as tagged_by_name, t.tagged_at
        from {wh.app_schema}.churn_tags as t
        inner join {wh.app_schema}.churn_reasons as r on r.code = t.primary_reason
        left join csms as c on lower(c.email) = t.tagged_by
        where t.account_id = :account_id
        order by t.version desc"""), {"account_id": int(account_id)})
    return history.with_columns(pl.col("reasons").map_elements(
        lambda codes: ", ".join(words.get(code, code) for code in codes.split(",") if code), return_dtype=pl.String))


# --- rights and validation ------------------------------------------------------------------------
def _account(conn, account_id: int) -> dict:
    """The account's owner, team and state; `account_id` is already validated."""
    row = conn.execute(sa.text("""
        select a.account_id, a.csm_id, c.team, s.is_live, s.renewal_forecast
        from accounts as a
        left join csms as c on c.csm_id = a.csm_id
        left join account_snapshot as s on s.account_id = a.account_id
        where a.account_id = :account_id"""), {"account_id": account_id}).mappings().first()
    if row is None:
        raise Rejected(f"There is no account with the id {account_id}.")
    return dict(row)


def _check_rights(writer: Writer, account: dict) -> None:
    if not roles.may_write(writer, account["csm_id"], account["team"]):
        raise Rejected("You can write only on your own accounts (a team lead on the team's; leadership and CS "
                       "operations on all). Ask the account's CSM or your lead.")


_NOT_STAFF = "The follow-up owner must be someone in the CS team list."


def _staff_email(conn, email: str | None) -> str:
    """A validated email that is someone's in `csms` (matched case-insensitively), as stored: lower case."""
    known = email is not None and conn.execute(sa.text("select count(*) from csms where lower(email) = :e"),
                                               {"e": email}).scalar_one()
    if not known:
        raise Rejected(_NOT_STAFF)
    return email


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


@contextmanager
def _serialised(wh: Warehouse, account_ids, writer: Writer, submission: str | None, action: str):
    """A transaction in which writes on the given accounts are serialised across sessions and
    processes (locks taken in id order, so two bulk writes cannot deadlock), and which first
    records the form's submission key: the database holds it unique, so a form submitted twice
    (a double click, a rerun, another process) writes once and the repeat is AlreadySaved."""
    ids = sorted({int(a) for a in (account_ids if isinstance(account_ids, (list, tuple)) else [account_ids])})
    key = validate.submission_key(submission)
    on_postgres = wh.engine.dialect.name == "postgresql"
    try:
        with (nullcontext() if on_postgres else _duckdb_lock), wh.engine.begin() as conn:
            if on_postgres:
                for account_id in ids:
                    conn.execute(sa.text("select pg_advisory_xact_lock(:k, :a)"), {"k": _LOCK_CLASS, "a": account_id})
            if key is not None:
                conn.execute(sa.text(f"insert into {wh.app_schema}.submissions (submission_key, action, by_user, "
                                     f"submitted_at) values (:key, :action, :by, :at)"),
                             {"key": key, "action": action, "by": writer.email, "at": _now()})
            yield conn
            bump_data_version(conn, wh.app_schema)
    except sa.exc.IntegrityError:
        if key is not None and _submitted_before(wh, key):
            raise AlreadySaved("This form was already submitted, and saved once; the repeat was not written.") \
                from None
        raise


def _submitted_before(wh: Warehouse, key: str) -> bool:
    with wh.engine.connect() as conn:
        return bool(conn.execute(sa.text(f"select count(*) from {wh.app_schema}.submissions "
                                         f"where submission_key = :key"), {"key": key}).scalar_one())


# --- churn tags -----------------------------------------------------------------------------------
def tag_churn(wh: Warehouse, writer: Writer, account_id, primary: str, codes, note: str | None,
              submission: str | None = None) -> int:
    """Tag an account that churned or is churning; returns the new version number."""
    return tag_churns(wh, writer, [account_id], primary, codes, note, submission)[0]


def tag_churns(wh: Warehouse, writer: Writer, account_ids, primary: str, codes, note: str | None,
               submission: str | None = None) -> list[int]:
    """Tag several accounts with the same reasons, all or none; returns each new version number."""
    s = wh.app_schema
    note = validate.text(note, "The note", NOTE_MAX, required=False)
    account_ids = validate.account_ids(account_ids)
    with wh.engine.connect() as conn:
        known = dict(conn.execute(sa.text(f"select code, retired_at from {s}.churn_reasons")).all())
        codes = validate.reason_codes(primary, codes, known)
        accounts = [_account(conn, a) for a in account_ids]
    for account in accounts:
        _check_rights(writer, account)
        if account["is_live"] and account["renewal_forecast"] != "at_risk" and not _open_flags(wh, account["account_id"]):
            raise Rejected(f"Only a churned or churning account can be tagged: account {account['account_id']} is "
                           f"live, its renewal is not forecast at risk and it has no open risk flag.")
    versions = []
    with _serialised(wh, [a["account_id"] for a in accounts], writer, submission, "churn tag") as conn:
        for account in accounts:
            version = conn.execute(sa.text(f"select coalesce(max(version), 0) + 1 from {s}.churn_tags "
                                           f"where account_id = :a"), {"a": account["account_id"]}).scalar_one()
            conn.execute(sa.text(f"""insert into {s}.churn_tags
                (account_id, version, primary_reason, reasons, note, tagged_by, tagged_at)
                values (:a, :v, :p, :r, :n, :by, :at)"""),
                {"a": account["account_id"], "v": version, "p": primary, "r": ",".join(codes), "n": note,
                 "by": writer.email, "at": _now()})
            versions.append(version)
    forget_cached_writes()
    return versions


def _open_flags(wh: Warehouse, account_id: int) -> int:
    """Open risk flags on the account, by the one definition of 'open' (queries.flags)."""
    with wh.engine.connect() as conn:
        return conn.execute(sa.text(f"""with {open_flags_cte(wh)}
            select coalesce(sum(open_flags), 0) from open_flags where account_id = :a"""),
            {"a": int(account_id)}).scalar_one()


def retire_reason(wh: Warehouse, writer: Writer, code: str) -> None:
    """Codes are never deleted (tags point at them); CS operations retire one from new tags."""
    if not roles.may_retire_reason_codes(writer):
        raise Rejected("Only CS operations can retire a churn reason.")
    code = validate.code(code)
    with wh.engine.begin() as conn:
        done = conn.execute(sa.text(f"update {wh.app_schema}.churn_reasons set retired_at = :at "
                                    f"where code = :c and retired_at is null"), {"c": code, "at": _now()}).rowcount
        if done:
            bump_data_version(conn, wh.app_schema)
    if not done:
        raise Rejected(f"No active churn reason has the code {code!r}.")
    forget_cached_writes()


# --- risk flags -----------------------------------------------------------------------------------
def raise_flag(wh: Warehouse, writer: Writer, account_id, severity, reason: str, note: str | None,
               owner: str | None, due_date: dt.date | None = None, submission: str | None = None) -> int:
    """Raise a flag on an account; returns its id. The owner (None or blank) defaults to the
    writer, the due date to the severity's default (flags.default_due)."""
    account_id = validate.account_id(account_id)
    severity = validate.severity(severity, SEVERITIES)
    reason = validate.text(reason, "The reason", REASON_MAX, required=True)
    note = validate.text(note, "The note", NOTE_MAX, required=False)
    owner = validate.email(owner, _NOT_STAFF) or validate.email(writer.email, _NOT_STAFF)
    due_date = validate.due_date(due_date) or flags.default_due(severity)
    with wh.engine.connect() as conn:
        account = _account(conn, account_id)
        _check_rights(writer, account)
        owner = _staff_email(conn, owner)
    with _serialised(wh, account["account_id"], writer, submission, "raise flag") as conn:
        s, now = wh.app_schema, _now()
        flag_id = conn.execute(sa.text(f"""insert into {s}.risk_flags (account_id, severity, reason, raised_by, raised_at)
            values (:a, :sev, :reason, :by, :at) returning flag_id"""),
            {"a": account["account_id"], "sev": severity, "reason": reason, "by": writer.email, "at": now}).scalar_one()
        _event(conn, s, flag_id, "raised", writer, now, owner=owner, due_date=due_date, note=note)
    forget_cached_writes()
    return flag_id


def _event(conn, s, flag_id, event, writer, at, owner=None, due_date=None, note=None) -> None:
    conn.execute(sa.text(f"""insert into {s}.risk_flag_events (flag_id, event, owner, due_date, note, by_user, event_at)
        values (:f, :e, :o, :d, :n, :by, :at)"""),
        {"f": flag_id, "e": event, "o": owner, "d": due_date, "n": note, "by": writer.email, "at": at})


def _open_flag(conn, s, flag_id) -> dict:
    """The flag, checked open under the account's lock (someone may have resolved it meanwhile)."""
    state = conn.execute(sa.text(f"""with {flags.flag_state_cte(s)}
        select f.flag_id, f.account_id, f.owner, coalesce(c.name, f.resolved_by) as resolved_by, f.resolved_at
        from flag_state as f left join csms as c on lower(c.email) = f.resolved_by
        where f.flag_id = :f"""), {"f": flag_id}).mappings().first()
    if state is None:
        raise Rejected(f"There is no risk flag {flag_id}.")
    if state["resolved_at"] is not None:
        raise Rejected(f"This flag was already resolved by {state['resolved_by']} at "
                       f"{state['resolved_at']:%Y-%m-%d %H:%M} UTC. Nothing was changed.")
    return dict(state)


def _flag_account(wh: Warehouse, flag_id) -> tuple[int, dict]:
    flag_id = validate.flag_id(flag_id)
    with wh.engine.connect() as conn:
        account_id = conn.execute(sa.text(f"select account_id from {wh.app_schema}.risk_flags where flag_id = :f"),
                                  {"f": flag_id}).scalar_one_or_none()
        if account_id is None:
            raise Rejected(f"There is no risk flag {flag_id}.")
        return flag_id, _account(conn, account_id)


def note_flag(wh: Warehouse, writer: Writer, flag_id, note: str, submission: str | None = None) -> None:
    """Anyone with rights on the account adds a note to an open flag."""
    note = validate.text(note, "The note", NOTE_MAX, required=True)
    flag_id, account = _flag_account(wh, flag_id)
    _check_rights(writer, account)
    with _serialised(wh, account["account_id"], writer, submission, "flag note") as conn:
        _open_flag(conn, wh.app_schema, flag_id)
        _event(conn, wh.app_schema, flag_id, "note", writer, _now(), note=note)
    forget_cached_writes()


def reassign_flag(wh: Warehouse, writer: Writer, flag_id, owner: str, due_date: dt.date | None = None,
                  note: str | None = None, submission: str | None = None) -> None:
    """A lead (or leadership, operations) gives an open flag a new follow-up owner."""
    note = validate.text(note, "The note", NOTE_MAX, required=False)
    owner = validate.email(owner, _NOT_STAFF)
    due_date = validate.due_date(due_date)
    flag_id, account = _flag_account(wh, flag_id)
    _check_rights(writer, account)
    if not roles.may_reassign_flags(writer):
        raise Rejected("Only a team lead, leadership or CS operations can reassign a flag.")
    with _serialised(wh, account["account_id"], writer, submission, "reassign flag") as conn:
        owner = _staff_email(conn, owner)
        _open_flag(conn, wh.app_schema, flag_id)
        _event(conn, wh.app_schema, flag_id, "reassigned", writer, _now(), owner=owner, due_date=due_date, note=note)
    forget_cached_writes()


def resolve_flag(wh: Warehouse, writer: Writer, flag_id, note: str, submission: str | None = None) -> None:
    """The flag's owner, or a lead with rights on the account, resolves it with a resolution note."""
    note = validate.text(note, "The resolution note", NOTE_MAX, required=True)
    flag_id, account = _flag_account(wh, flag_id)
    with _serialised(wh, account["account_id"], writer, submission, "resolve flag") as conn:
        state = _open_flag(conn, wh.app_schema, flag_id)
        if not roles.may_manage_flag(writer, state["owner"], account["csm_id"], account["team"]):
            raise Rejected("Only the flag's owner or a team lead can resolve it.")
        _event(conn, wh.app_schema, flag_id, "resolved", writer, _now(), note=note)
    forget_cached_writes()


def move_due_date(wh: Warehouse, writer: Writer, flag_id, due_date: dt.date, note: str | None = None,
                  submission: str | None = None) -> None:
    """The flag's owner, or a lead with rights on the account, moves its due date (kept as history)."""
    note = validate.text(note, "The note", NOTE_MAX, required=False)
    due_date = validate.due_date(due_date)
    if due_date is None:
        raise Rejected("Choose the new due date.")
    flag_id, account = _flag_account(wh, flag_id)
    with _serialised(wh, account["account_id"], writer, submission, "move due date") as conn:
        state = _open_flag(conn, wh.app_schema, flag_id)
        if not roles.may_manage_flag(writer, state["owner"], account["csm_id"], account["team"]):
            raise Rejected("Only the flag's owner or a team lead can move its due date.")
        _event(conn, wh.app_schema, flag_id, "due_moved", writer, _now(), due_date=due_date, note=note)
    forget_cached_writes()


# --- touches --------------------------------------------------------------------------------------
TOUCH_BACKDATE_DAYS = 90  # a touch logged late is still a touch; older than this is history, not a log


def log_touch(wh: Warehouse, writer: Writer, account_id, kind: str, touched_on: dt.date, note: str,
              submission: str | None = None) -> int:
    """Record a call, meeting, on-site visit, business review or note on an account; returns its id.
    It counts toward "last touch" at once, beside the warehouse's cs_activities."""
    kind = validate.touch_kind(kind, TOUCH_KINDS)
    touched_on = validate.touch_day(touched_on, TOUCH_BACKDATE_DAYS)
    note = validate.text(note, "What happened", NOTE_MAX, required=True)
    account_id = validate.account_id(account_id)
    with wh.engine.connect() as conn:
        account = _account(conn, account_id)
    _check_rights(writer, account)
    with _serialised(wh, account["account_id"], writer, submission, "log touch") as conn:
        touch_id = conn.execute(sa.text(f"""insert into {wh.app_schema}.touches
            (account_id, kind, touched_on, note, by_user, logged_at) values (:a, :k, :d, :n, :by, :at)
            returning touch_id"""), {"a": account["account_id"], "k": kind, "d": touched_on, "n": note,
                                     "by": writer.email, "at": _now()}).scalar_one()
    forget_cached_writes()
    return touch_id
