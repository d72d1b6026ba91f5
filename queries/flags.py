"""Risk flags as follow-ups: the one home of "open", "owned by", "due" and "overdue".

A flag is raised on an account (`risk_flags`) and afterwards changes only by events
(`risk_flag_events`: raised, note, reassigned, due_moved, resolved), so its whole history stays.
Its state is read from those events:
- open: it has no 'resolved' event;
- owner: the owner named by its latest event that names one;
- due date: the due date set by its latest event that sets one;
- overdue: open, with a due date before today (the calendar's today: a follow-up is late in the
  real world, whatever day the warehouse's data is as of).
Every page and the write module read flags through this module.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from queries import labels
from queries.db import Warehouse, fetch, reads_writeback
from queries.definitions import FLAG_DUE_DAYS

DUE_EVENTS = ("raised", "reassigned", "due_moved")
VIEWS = labels.FOLLOWUP_VIEWS


def flag_state_cte(s: str) -> str:
    """`flag_state`: one row per flag with its current owner, due date, and resolution if any.

    Each flag's deciding events are found by one grouped pass over the events and then joined by
    their ids: a correlated subquery per column is parallel-restricted on PostgreSQL, and kept every
    statement joining open flags to the book (the Team's workload, the lists) in one process."""
    due_events = ", ".join(f"'{e}'" for e in DUE_EVENTS)
    return f"""flag_deciding_events as (
        select e.flag_id,
               max(case when e.owner is not null then e.event_id end) as owner_event,
               max(case when e.event in ({due_events}) and e.due_date is not null then e.event_id end) as due_event,
               min(case when e.event = 'resolved' then e.event_id end) as resolved_event
        from {s}.risk_flag_events as e
        group by e.flag_id
    ),
    flag_state as (
        select f.flag_id, f.account_id, f.severity, f.reason, f.raised_by, f.raised_at,
               o.owner, d.due_date, r.by_user as resolved_by, r.event_at as resolved_at, r.note as resolution
        from {s}.risk_flags as f
        left join flag_deciding_events as x on x.flag_id = f.flag_id
        left join {s}.risk_flag_events as o on o.event_id = x.owner_event
        left join {s}.risk_flag_events as d on d.event_id = x.due_event
        left join {s}.risk_flag_events as r on r.event_id = x.resolved_event
    )"""


OPEN = "resolved_at is null"


def overdue(alias: str, today: str = ":today") -> str:
    """Over flag_state rows: open and past its due date."""
    return f"({alias}.{OPEN} and {alias}.due_date < {today})"


def open_flags_cte(wh: Warehouse) -> str:
    """`open_flags`: per account, its open flags, their top severity and the earliest due date."""
    return f"""{flag_state_cte(wh.app_schema)},
    open_flags as (
        select account_id, count(*) as open_flags, max(severity) as top_flag_severity,
               min(due_date) as next_flag_due
        from flag_state
        where {OPEN}
        group by account_id
    )"""


def default_due(severity: int, today: dt.date | None = None) -> dt.date:
    """When a new flag is due if the writer names no date: sooner the more severe
    (definitions.FLAG_DUE_DAYS)."""
    return (today or dt.date.today()) + dt.timedelta(days=FLAG_DUE_DAYS[severity])


_PEOPLE = """left join csms as o on lower(o.email) = f.owner
        left join csms as r on lower(r.email) = f.raised_by"""


@reads_writeback
def of_account(wh: Warehouse, account_id: int, today: dt.date) -> pl.DataFrame:
    """The account's flags, open ones first (overdue first among them), newest first; people by name."""
    return fetch(wh, sa.text(f"""with {flag_state_cte(wh.app_schema)}
        select f.flag_id, case when f.{OPEN} then 'open' else 'resolved' end as status,
               {overdue('f')} as overdue, f.severity, f.reason, f.owner, o.name as owner_name, f.due_date,
               :today - cast(f.raised_at as date) as age_days, f.raised_by, r.name as raised_by_name, f.raised_at,
               f.resolved_by, f.resolved_at, f.resolution
        from flag_state as f
        {_PEOPLE}
        where f.account_id = :account_id
        order by case when f.{OPEN} then 0 else 1 end, case when {overdue('f')} then 0 else 1 end,
                 f.flag_id desc"""), {"account_id": int(account_id), "today": today})


@reads_writeback
def events(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """Everything that happened to the account's flags, newest first; people by name."""
    s = wh.app_schema
    return fetch(wh, sa.text(f"""
        select e.flag_id, e.event_id, f.reason, e.event, o.name as owner_name, e.owner, e.due_date, e.note,
               b.name as by_name, e.by_user, e.event_at
        from {s}.risk_flag_events as e
        inner join {s}.risk_flags as f on f.flag_id = e.flag_id
        left join csms as o on lower(o.email) = e.owner
        left join csms as b on lower(b.email) = e.by_user
        where f.account_id = :account_id
        order by e.event_id desc"""), {"account_id": int(account_id)})


@reads_writeback
def inbox(wh: Warehouse, view: str, email: str, team: str | None, today: dt.date) -> pl.DataFrame:
    """Open flags as work items for one view (VIEWS): overdue first, then severity, then ARR.
    Which views a person may open is queries.roles.inbox_views."""
    where = {"mine": "f.owner = :email", "raised": "f.raised_by = :email",
             "team": "(c.team = :team or o.team = :team)", "all": "1 = 1"}[view]
    return fetch(wh, sa.text(f"""with {flag_state_cte(wh.app_schema)}
        select f.flag_id, f.account_id, a.name as account, {overdue('f')} as overdue, f.severity, f.reason,
               o.name as owner_name, f.owner, r.name as raised_by_name, f.raised_by, f.due_date,
               f.due_date - :today as days_to_due, :today - cast(f.raised_at as date) as age_days,
               s.arr, c.name as csm_name, c.team
        from flag_state as f
        inner join accounts as a on a.account_id = f.account_id
        left join account_snapshot as s on s.account_id = f.account_id
        left join csms as c on c.csm_id = a.csm_id
        {_PEOPLE}
        where f.{OPEN} and {where}
        order by case when {overdue('f')} then 0 else 1 end, f.severity desc, s.arr desc nulls last, f.flag_id
        """), {"email": email, "team": team, "today": today})


@reads_writeback
def counts_for(wh: Warehouse, email: str, csm_id: int | None, today: dt.date) -> dict:
    """For My accounts: flags the person owns wherever the account sits, and flags on their book
    whoever owns them, each with how many are overdue."""
    row = fetch(wh, sa.text(f"""with {flag_state_cte(wh.app_schema)}
        select coalesce(sum(case when f.owner = :email then 1 else 0 end), 0) as owned,
               coalesce(sum(case when f.owner = :email and {overdue('f')} then 1 else 0 end), 0) as owned_overdue,
               coalesce(sum(case when a.csm_id = :csm_id then 1 else 0 end), 0) as on_book,
               coalesce(sum(case when a.csm_id = :csm_id and {overdue('f')} then 1 else 0 end), 0) as on_book_overdue
        from flag_state as f
        inner join accounts as a on a.account_id = f.account_id
        where f.{OPEN}"""), {"email": email, "csm_id": csm_id, "today": today}).row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}
