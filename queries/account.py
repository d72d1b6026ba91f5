"""Account 360: everything about one account, each piece a small query keyed by its id."""
from __future__ import annotations

import unicodedata

import polars as pl
import sqlalchemy as sa

from queries import definitions as d
from queries.db import Warehouse, cached, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.scope import AS_OF, Filters, scoped
from queries.signals import signals_cte

HISTORY_WEEKS = 52


def _one(account_id: int) -> Filters:
    """The account alone, churned or live, whatever the sidebar says."""
    return Filters(stages=(), account_ids=(int(account_id),))


def searchable(text: str) -> str:
    """The search text without control characters (a NUL cannot even be sent to PostgreSQL, and no
    name holds one), trimmed."""
    return "".join(c for c in text if unicodedata.category(c) != "Cc").strip()


@cached
def search(wh: Warehouse, filters: Filters, text: str = "", limit: int = 50) -> pl.DataFrame:
    """Accounts in scope whose name contains `text` (any case), largest ARR first: the picker,
    with what tells two similar names apart (health, ARR, renewal)."""
    statement, params = scoped(wh, filters, """
        select account_id, name, health_score, health_band, arr, renewal_due_date, segment, csm_name
        from in_scope
        where lower(name) like :pattern
        order by arr desc, name
        limit :limit""")
    pattern = "%" + searchable(text).lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
    return fetch(wh, statement, {**params, "pattern": pattern, "limit": limit})


@reads_writeback
def header(wh: Warehouse, account_id: int) -> dict | None:
    """Who the account is and where it stands today; None for an unknown id."""
    statement, params = scoped(wh, _one(account_id), f""", {open_flags_cte(wh)}
        select i.account_id, i.name, i.industry, i.segment, i.plan, i.csm_id, i.csm_name, i.team, i.arr,
               i.seats, i.term_start, i.term_end, i.customer_since, i.is_live, i.lifecycle_stage,
               i.activity_tier, i.renewal_due_date, i.renewal_stage, i.renewal_forecast,
               i.health_score, i.health_band, i.health_score_4w_ago, {d.health_change_4w('i')} as health_change_4w,
               i.health_drag, i.health_drag_points,
               i.as_of, coalesce(f.open_flags, 0) as open_flags
        from in_scope as i
        left join open_flags as f on f.account_id = i.account_id""")
    frame = fetch(wh, statement, params)
    return None if frame.is_empty() else frame.row(0, named=True)


@cached
def health_breakdown(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """The latest score's components: nominal weight, the weight it carries once components with
    no data are left out, its points and the points it costs (the spreading is the mart's)."""
    statement = sa.text("""
        select component, label, description, weight, effective_weight, value, points, points_lost, score
        from health_components_latest
        where account_id = :account_id
        order by points_lost desc nulls last, weight desc""")
    return fetch(wh, statement, {"account_id": int(account_id)})


@cached
def health_contributions(wh: Warehouse, account_id: int, weeks: int = HISTORY_WEEKS) -> pl.DataFrame:
    """Per kept snapshot up to the as-of day, the points each component with data added to the
    score (they add up to the score), and the score itself."""
    statement = sa.text("""
        with as_of as (select max(as_of) as as_of from account_snapshot)
        select c.day, c.label, c.points, c.score
        from health_components_daily as c
        cross join as_of
        where c.account_id = :account_id and c.value is not null
          and c.day > as_of.as_of - :days and c.day <= as_of.as_of
        order by c.day, c.label""")
    return fetch(wh, statement, {"account_id": int(account_id), "days": 7 * weeks})


@cached
def usage_weekly(wh: Warehouse, account_id: int, weeks: int = 26) -> pl.DataFrame:
    """Weekday active users against licensed seats, and key events, per week."""
    statement = sa.text(f"""
        select {d.period_start('week', 'day')} as week,
               avg(case when extract(isodow from day) < 6 then active_users end) as weekday_active_users,
               max(licensed_seats) as licensed_seats, sum(key_events) as key_events
        from usage_daily
        where account_id = :account_id and day > {AS_OF} - :days
        group by 1
        order by 1""")
    return fetch(wh, statement, {"account_id": int(account_id), "days": 7 * weeks})


@cached
def milestones(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """Onboarding milestones of the account's current relationship (its onboarding term, whatever
    upsells or renewals followed), as they stood on the as-of day, with their state then."""
    statement = sa.text(f"""
        select m.milestone, m.day_offset, m.due_date, m.completed_date,
               {d.milestone_state('m', 's.as_of')} as state
        from account_snapshot as s
        inner join onboarding_milestones_as_of as m on m.contract_id = s.onboarding_contract_id
        where s.account_id = :account_id
        order by m.day_offset""")
    return fetch(wh, statement, {"account_id": int(account_id)})


# The account's people by address (one name per address, as the nps_latest_by_contact mart takes
# it), so an answer is shown under the name of the contact who gave it, or its address when no
# contact holds it.
_PEOPLE = """people as (
        select email, min(name) as name from contacts where account_id = :account_id group by email
    )"""


@cached
def nps_responses(wh: Warehouse, account_id: int, limit: int = 50) -> pl.DataFrame:
    """Answered surveys, newest first, with who answered and their comments."""
    statement = sa.text(f"""with {_PEOPLE}
        select cast(n.responded_at as date) as answered_on, coalesce(p.name, n.contact_email) as contact,
               n.score, n.comment
        from nps_responses as n
        left join people as p on p.email = n.contact_email
        where n.account_id = :account_id and n.score is not null
        order by n.responded_at desc
        limit :limit""")
    return fetch(wh, statement, {"account_id": int(account_id), "limit": limit})


@cached
def tickets(wh: Warehouse, account_id: int, limit: int = 20) -> pl.DataFrame:
    """The most recent support tickets."""
    statement = sa.text("""
        select ticket_id, opened_at, closed_at, priority
        from support_tickets
        where account_id = :account_id
        order by opened_at desc
        limit :limit""")
    return fetch(wh, statement, {"account_id": int(account_id), "limit": limit})


@reads_writeback
def signals(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """The account's firing signals, most severe first."""
    statement, params = scoped(wh, _one(account_id), f""", {signals_cte()}
        select rule, label, kind, severity, evidence, value, threshold, since
        from signals
        order by case when kind = 'risk' then 0 else 1 end, severity desc, rule""")
    return fetch(wh, statement, params)


@reads_writeback
def timeline(wh: Warehouse, account_id: int, limit: int = 200) -> pl.DataFrame:
    """One story, newest first: CS activities, onboarding milestones and surveys, NPS answers,
    business changes, support tickets, risk-flag events and churn tags, each as (occurred_at, what, detail, by_whom)."""
    s = wh.app_schema
    statement = sa.text(f"""with {_PEOPLE}
        select occurred_at, what, detail, by_whom from (
            select t.happened_at as occurred_at, t.kind as what, t.outcome as detail, c.name as by_whom
            from cs_activities as t left join csms as c on c.csm_id = t.csm_id
            where t.account_id = :account_id
            union all
            select cast(coalesce(m.completed_date, m.due_date) as timestamp),
                   case when m.completed_date is null then 'milestone due' else 'milestone done' end,
                   m.milestone || case when m.completed_date > m.due_date
                                       then ' (' || cast(m.completed_date - m.due_date as varchar) || ' days late)'
                                       else '' end,
                   null
            from onboarding_milestones_as_of as m
            where m.account_id = :account_id
              and coalesce(m.completed_date, m.due_date) <= {AS_OF}
            union all
            select n.responded_at, 'NPS answer', 'score ' || cast(n.score as varchar) || coalesce(': ' || n.comment, ''),
                   coalesce(p.name, n.contact_email)
            from nps_responses as n
            left join people as p on p.email = n.contact_email
            where n.account_id = :account_id and n.score is not null
            union all
            select cast(o.answered_on as timestamp), 'onboarding survey',
                   'score ' || cast(o.score as varchar) || ' of 5' || coalesce(': ' || o.comment, ''),
                   coalesce(p.name, o.contact_email)
            from onboarding_surveys as o
            left join people as p on p.email = o.contact_email
            where o.account_id = :account_id
            union all
            select cast(b.occurred_on as timestamp), 'business change',
                   case b.kind {" ".join(f"when '{k}' then '{v}'" for k, v in d.BUSINESS_EVENT_LABELS.items())}
                   else b.kind end || coalesce(': ' || b.note, ''), null
            from business_events as b
            where b.account_id = :account_id
            union all
            select k.opened_at, 'support ticket', k.priority || ' priority'
                   || case when k.closed_at is null then ', still open' else '' end, null
            from support_tickets as k
            where k.account_id = :account_id
            union all
            select e.event_at,
                   case when e.event = 'due_moved' then 'risk flag due date moved' else 'risk flag ' || e.event end,
                   f.reason
                   || case when e.event in ('raised', 'reassigned') then ' · owner ' || coalesce(o.name, e.owner)
                           else '' end
                   || coalesce(' · due ' || cast(e.due_date as varchar), '')
                   || coalesce(case when e.event = 'resolved' then ' · outcome: ' else ' · ' end || e.note, ''),
                   coalesce(b.name, e.by_user)
            from {s}.risk_flag_events as e
            inner join {s}.risk_flags as f on f.flag_id = e.flag_id
            left join csms as o on lower(o.email) = e.owner
            left join csms as b on lower(b.email) = e.by_user
            where f.account_id = :account_id
            union all
            select g.tagged_at, 'churn tag',
                   'version ' || cast(g.version as varchar) || ' · ' || r.label
                   || case when g.reasons <> g.primary_reason then ' (all reasons: ' || replace(g.reasons, ',', ', ') || ')'
                           else '' end
                   || coalesce(' · ' || g.note, ''), coalesce(b.name, g.tagged_by)
            from {s}.churn_tags as g
            inner join {s}.churn_reasons as r on r.code = g.primary_reason
            left join csms as b on lower(b.email) = g.tagged_by
            where g.account_id = :account_id
            union all
            select cast(t.touched_on as timestamp),
                   case t.kind {" ".join(f"when '{k}' then '{v.lower()} (logged)'" for k, v in d.TOUCH_KINDS.items())}
                   else t.kind end,
                   t.note, coalesce(b.name, t.by_user)
            from {s}.touches as t
            left join csms as b on lower(b.email) = t.by_user
            where t.account_id = :account_id
        ) as story
        order by occurred_at desc, what
        limit :limit""")
    return fetch(wh, statement, {"account_id": int(account_id), "limit": limit})


@cached
def contacts(wh: Warehouse, account_id: int) -> pl.DataFrame:
    """The account's people by tier (S: decision makers, A: key users, B: others), leavers last."""
    statement = sa.text("""
        select name, title, tier, is_champion, email, left_at
        from contacts
        where account_id = :account_id
        order by case when left_at is null then 0 else 1 end, case tier when 'S' then 0 when 'A' then 1 else 2 end, name""")
    return fetch(wh, statement, {"account_id": int(account_id)})
