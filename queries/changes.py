"""What changed in a book since a day: the news a CSM opens My accounts for on a Monday.

Five kinds of change (labels.CHANGES), each dated by when it happened:
- turned red: red now, and its score on the latest snapshot on or before that day (within
  SCORE_THEN_WITHIN_DAYS) was not red, or there was none; dated by the first red snapshot after it;
- signal started: a risk or opportunity rule that fires now and started to hold after that day
  (its "since", queries/signals.py);
- renewal window: the open renewal came within RENEWAL_WINDOW_DAYS of its due date after that day;
- flag assigned: an open flag the book's owner owns now, raised for them or reassigned to them
  after that day (the account may sit in any book: flags.counts_for counts the same way);
- NPS answer: a survey answered after that day.
Warehouse facts are bounded by the as-of day; flags by the calendar (they are written today).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.flags import OPEN, flag_state_cte
from queries.scope import Filters, scoped
from queries.signals import signals_cte

DEFAULT_DAYS_BACK = 7
ORDER = ("flag_assigned", "turned_red", "signal_started", "renewal_window", "nps_answer")  # most urgent first

# A score older than this is no longer the account's score on the day ("not scored then"). The bound
# also lets both engines read a few weeks of health_scores instead of all of it (2.6 s at 1M accounts).
SCORE_THEN_WITHIN_DAYS = 28
_SCORE_THEN = f"""(select max(h.score) from health_scores as h
                  where h.account_id = i.account_id
                    and h.day = (select max(b.day) from health_scores as b
                                 where b.account_id = i.account_id and b.day <= :since
                                   and b.day > :since - {SCORE_THEN_WITHIN_DAYS})
                    and h.day > :since - {SCORE_THEN_WITHIN_DAYS})"""


@reads_writeback
def since(wh: Warehouse, filters: Filters, day: dt.date, owner_email: str) -> pl.DataFrame:
    """Every change in scope after `day` (the owner's newly assigned flags wherever they sit),
    newest first: account, change (a labels.CHANGES code), when, what."""
    urgency = " ".join(f"when '{code}' then {rank}" for rank, code in enumerate(ORDER))
    statement, params = scoped(wh, filters, f""", {signals_cte()}, {flag_state_cte(wh.app_schema)},
        red_now as (
            select i.account_id, i.health_score, {_SCORE_THEN} as score_then
            from in_scope as i
            where i.health_band = 'red'
        ),
        changes as (
            select r.account_id, 'turned_red' as change,
                   (select min(h.day) from health_scores as h
                    where h.account_id = r.account_id and h.day > :since
                      and {d.health_band('h.score')} = 'red') as changed_on,
                   'Health ' || coalesce(cast(cast(floor(r.score_then + 0.5) as integer) as varchar), 'not scored')
                       || ' then, ' || cast(cast(floor(r.health_score + 0.5) as integer) as varchar) || ' now'
                       as detail
            from red_now as r
            where {d.health_band('r.score_then')} <> 'red'
            union all
            select g.account_id, 'signal_started', g.since, g.label || ': ' || g.evidence
            from signals as g
            where g.since > :since
            union all
            select i.account_id, 'renewal_window', i.renewal_due_date - {d.RENEWAL_WINDOW_DAYS},
                   'Renewal due ' || cast(i.renewal_due_date as varchar)
            from in_scope as i
            where i.renewal_due_date - {d.RENEWAL_WINDOW_DAYS} > :since
              and i.renewal_due_date - {d.RENEWAL_WINDOW_DAYS} <= i.as_of
            union all
            select r.account_id, 'nps_answer', cast(r.responded_at as date),
                   'Score ' || cast(r.score as varchar) || coalesce(': ' || r.comment, '')
            from nps_responses as r
            inner join in_scope as i on i.account_id = r.account_id
            where r.score is not null and r.responded_at >= :after_since and cast(r.responded_at as date) <= i.as_of
        ),
        assigned as (
            select f.account_id, 'flag_assigned' as change, cast(max(e.event_at) as date) as changed_on,
                   max(f.reason) as detail
            from flag_state as f
            inner join {wh.app_schema}.risk_flag_events as e on e.flag_id = f.flag_id and e.owner = f.owner
            where f.owner = :owner and f.{OPEN} and e.event in ('raised', 'reassigned') and e.event_at >= :after_since
            group by f.flag_id, f.account_id
        )
        select c.account_id, a.name, c.change, c.changed_on, c.detail, a.arr, a.health_score, a.health_band
        from (select * from changes union all select * from assigned) as c
        inner join scoped_accounts as a on a.account_id = c.account_id
        order by c.changed_on desc, case c.change {urgency} end, a.arr desc nulls last, c.account_id""")
    return fetch(wh, statement, {**params, "since": day, "after_since": dt.datetime.combine(day, dt.time()) +
                                 dt.timedelta(days=1), "owner": (owner_email or "").lower()})


def counts(changes: pl.DataFrame) -> dict[str, int]:
    """How many changes of each kind (every kind present, zero when none)."""
    found = dict(changes.group_by("change").len().iter_rows()) if not changes.is_empty() else {}
    return {code: int(found.get(code, 0)) for code in ORDER}
