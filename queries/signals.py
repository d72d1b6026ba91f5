"""Signals: the rules of domain.md, evaluated in SQL on the snapshot day.

One row per account and rule that holds (never one per day it holds), saying which rule fired,
on what value against what threshold, and since when. Thresholds come from
queries/definitions.py; "since" is read from the daily facts behind each rule:
- usage_drop, sudden_drop: the day after the measure last met the rule (within its look-back);
- seat_limit: the first day in the last 30 in which active users reached the limit;
- ticket_burst: the first ticket of the 7-day burst; nps_detractor: the day of the worst answer;
- milestone_overdue, go_live_slipped: the day after the (first) missed due date;
- weak_new_users: the day the first such user's first week ended;
- champion_left: the day the (latest) champion or decision maker left;
- business_change: the day of the latest acquisition, layoffs, leadership change or funding cut;
- no_recent_touch: the day the silence passed the segment's limit.
"""
from __future__ import annotations

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, fetch, reads_writeback
from queries.scope import AS_OF, Filters, scoped



def _pct(expr: str) -> str:
    return f"cast(cast(round(100 * ({expr})) as integer) as varchar) || '%'"


def _int(expr: str) -> str:
    return f"cast(cast(round({expr}) as integer) as varchar)"


# How far back "since" reads the daily usage: the measure's whole look-back (the recent days and the
# days before them), as the marts compute it from the same definitions.
_USAGE_REACH = d.RECENT_DAYS + d.USAGE_BASELINE_DAYS
_DROP_REACH = d.RECENT_DAYS + d.SUDDEN_DROP_PRIOR_DAYS

# rule -> (value, threshold, since, evidence text, where) over `in_scope as i`
_RULES = {
    "usage_drop": (
        "i.key_events_7d / i.key_events_baseline", f"{d.USAGE_DROP_BELOW}",
        f"""least(i.as_of, coalesce((select max(u.day) + 1 from usage_daily as u
              where u.account_id = i.account_id and u.day > i.as_of - {_USAGE_REACH} and u.day <= i.as_of
                and u.key_events >= {d.USAGE_DROP_BELOW} * i.key_events_baseline), i.as_of - {_USAGE_REACH - 1}))""",
        f"'key events ' || {_pct('i.key_events_7d / i.key_events_baseline')} || ' of baseline "
        f"(alert below {d.USAGE_DROP_BELOW:.0%})'",
        f"i.key_events_baseline > 0 and i.key_events_7d < {d.USAGE_DROP_BELOW} * i.key_events_baseline"),
    "sudden_drop": (
        "i.weekday_active_users_7d / i.weekday_active_users_prev_28d", f"{d.SUDDEN_DROP_TO}",
        f"""least(i.as_of, coalesce((select max(u.day) + 1 from usage_daily as u
              where u.account_id = i.account_id and u.day > i.as_of - {_DROP_REACH} and u.day <= i.as_of
                and extract(isodow from u.day) < 6
                and u.active_users > {d.SUDDEN_DROP_TO} * i.weekday_active_users_prev_28d), i.as_of - {_DROP_REACH - 1}))""",
        f"'weekday active users ' || {_pct('i.weekday_active_users_7d / i.weekday_active_users_prev_28d')} "
        f"|| ' of the 4 weeks before (alert at {d.SUDDEN_DROP_TO:.0%} or less)'",
        f"i.weekday_active_users_prev_28d >= {d.SUDDEN_DROP_MIN_USERS} "
        f"and i.weekday_active_users_7d <= {d.SUDDEN_DROP_TO} * i.weekday_active_users_prev_28d"),
    "ticket_burst": (
        "i.tickets_7d", f"{d.TICKET_BURST_FROM}",
        f"""(select min(cast(t.opened_at as date)) from support_tickets as t
              where t.account_id = i.account_id and cast(t.opened_at as date) > i.as_of - {d.RECENT_DAYS}
                and cast(t.opened_at as date) <= i.as_of)""",
        f"{_int('i.tickets_7d')} || ' tickets in 7 days (alert at {d.TICKET_BURST_FROM})'",
        f"i.tickets_7d >= {d.TICKET_BURST_FROM}"),
    "no_recent_touch": (
        "i.days_since_touch", d.touch_limit("i.segment"),
        f"i.as_of - cast(i.days_since_touch - {d.touch_limit('i.segment')} - 1 as integer)",
        f"case when i.last_conversation_at is null then 'no conversation on record in ' "
        f"else 'no conversation for ' end || cast(i.days_since_touch as varchar) "
        f"|| ' days (limit for the segment: ' || cast({d.touch_limit('i.segment')} as varchar) || ')'",
        d.too_long_without_touch("i")),
    "seat_limit": (
        d.seat_utilisation("i"), f"{d.SEAT_LIMIT_FROM}",
        f"""(select min(u.day) from usage_daily as u
              where u.account_id = i.account_id and u.day > i.as_of - {d.SEAT_WINDOW_DAYS} and u.day <= i.as_of
                and u.active_users >= {d.SEAT_LIMIT_FROM} * u.licensed_seats)""",
        f"{_pct(d.seat_utilisation('i'))} || ' of licensed seats active (opportunity at {d.SEAT_LIMIT_FROM:.0%})'",
        f"{d.seat_utilisation('i')} >= {d.SEAT_LIMIT_FROM}"),
}
# Every rule's condition over one account is written once, in `_holds`, and read both by the
# per-account branches of `signals_cte` (which add value, since and evidence) and by `counts`, which
# evaluates all of them in one pass over the accounts in scope.
#
# Rules over a detail table hold when the latest qualifying event, a fact the snapshot keeps for
# each account (account_snapshot, its bar passed to dbt as a var), falls in the rule's window:
_DETAIL_HOLDS = {
    "nps_detractor": f"i.last_detractor_answer_on > i.as_of - {d.DETRACTOR_WITHIN_DAYS}",
    "champion_left": f"i.last_champion_left_on > i.as_of - {d.CHAMPION_LEFT_WITHIN_DAYS}",
    "business_change": f"i.last_business_change_on > i.as_of - {d.BUSINESS_CHANGE_WITHIN_DAYS}",
    # the latest weak user whose first week ended by the as-of day: did it end in the window?
    "weak_new_users": f"i.last_weak_new_user_on > i.as_of - {d.NEW_USER_FIRST_WEEK_DAYS + d.NEW_USER_WINDOW_DAYS}",
}
# The evidence of a detail rule names the rows behind it: those meeting the same rule row by row
# (a test holds the two agreeing on accounts at each window's edges). The conditions bound their
# tables by the as-of day (scope.AS_OF: every snapshot row has that as_of) so that a few thousand
# recent rows are read, by index, never the whole history:
# rule -> (table, alias, condition over the alias)
_DETAIL_ROWS = {
    # any contact's latest answer, not only the account's newest: a detractor does not hide
    # behind a happier colleague who answered later
    "nps_detractor": ("nps_latest_by_contact", "n",
                      f"n.score <= {d.DETRACTOR_UP_TO} and n.responded_on > {AS_OF} - {d.DETRACTOR_WITHIN_DAYS}"),
    "champion_left": ("contacts", "ct",
                      f"(ct.is_champion or ct.tier = 'S') and ct.left_at > {AS_OF} - {d.CHAMPION_LEFT_WITHIN_DAYS} "
                      f"and ct.left_at <= {AS_OF}"),
    "business_change": ("business_events", "e",
                        f"e.occurred_on > {AS_OF} - {d.BUSINESS_CHANGE_WITHIN_DAYS} and e.occurred_on <= {AS_OF}"),
    "weak_new_users": ("user_activations", "ua",
                       f"ua.page_views_first_7d < {d.WEAK_NEW_USER_VIEWS_BELOW} "
                       f"and cast(ua.created_at as date) <= {AS_OF} - {d.NEW_USER_FIRST_WEEK_DAYS} "
                       f"and cast(ua.created_at as date) > {AS_OF} - {d.NEW_USER_FIRST_WEEK_DAYS + d.NEW_USER_WINDOW_DAYS} "
                       f"and ua.created_at >= cast({AS_OF} - {d.NEW_USER_FIRST_WEEK_DAYS - 1 + d.NEW_USER_WINDOW_DAYS} "
                       f"as timestamp)"),
}

# The onboarding rules read the onboarding_signal_inputs mart (`ob`): the latest missed due date
# of the relationship's onboarding, its go-live, and the best survey answered after each.
_ONBOARDING_HOLDS = {
    # a milestone of the relationship's onboarding came due in the window and is still open
    "milestone_overdue": (f"i.is_live and ob.latest_missed_due_date >= i.as_of - {d.ONBOARDING_DAYS} "
                          f"and not {d.slip_cleared_by_survey('ob.best_survey_after_latest_miss')}"),
    # planned after the onboarding began, which was less than ONBOARDING_DAYS ago
    "go_live_slipped": (f"i.lifecycle_stage = 'onboarding' and ob.go_live_completed_date > ob.go_live_due_date "
                        f"and ob.go_live_due_date > {AS_OF} - {d.ONBOARDING_DAYS} "
                        f"and not {d.slip_cleared_by_survey('ob.best_survey_after_go_live_due')}"),
}


def _holds(code: str) -> str:
    """The rule holds for the account: over in_scope `i` and its onboarding_signal_inputs row `ob`."""
    if code in _RULES:
        return f"i.is_live and {_RULES[code][4]}"
    if code in _ONBOARDING_HOLDS:
        return _ONBOARDING_HOLDS[code]
    return f"i.is_live and {_DETAIL_HOLDS[code]}"


# Evidence of a rule that reads several detail rows of an account names the one it shows and
# counts the others: " (and 2 more)".
_AND_MORE = ("case when count(*) over (partition by i.account_id) > 1 then ' (and ' "
             "|| cast(count(*) over (partition by i.account_id) - 1 as varchar) || ' more)' else '' end")

_EVENT_LABEL = "case e.kind " + " ".join(
    f"when '{kind}' then '{label}'" for kind, label in d.BUSINESS_EVENT_LABELS.items()) + " else e.kind end"


def _detail_join(code: str) -> str:
    """in_scope joined to the rows of the rule's detail table that meet its condition, for the
    accounts the rule holds for (its facts decide whether it fires; the rows are its evidence)."""
    table, alias, condition = _DETAIL_ROWS[code]
    return (f"from in_scope as i inner join {table} as {alias} on {alias}.account_id = i.account_id "
            f"where {_holds(code)} and {condition}")


_ONBOARDING_JOIN = "from in_scope as i inner join onboarding_signal_inputs as ob on ob.account_id = i.account_id"

# Rules over a detail table: (SQL body yielding account_id, value, threshold, since, evidence)
_DETAIL_RULES = {
    "milestone_overdue": f"""
        select i.account_id, max(i.as_of - m.due_date) as value, 0 as threshold, min(m.due_date) + 1 as since,
               cast(count(*) as varchar) || ' milestone(s) overdue, the oldest by '
                   || cast(max(i.as_of - m.due_date) as varchar) || ' days' as evidence
        {_ONBOARDING_JOIN}
        inner join onboarding_milestones_as_of as m on m.contract_id = i.onboarding_contract_id
        where {_holds('milestone_overdue')} and {d.milestone_state('m', 'i.as_of')} = 'overdue'
          and m.due_date >= i.as_of - {d.ONBOARDING_DAYS} and m.due_date >= {AS_OF} - {d.ONBOARDING_DAYS}
        group by i.account_id""",
    "go_live_slipped": f"""
        select i.account_id, ob.go_live_completed_date - ob.go_live_due_date as value, 0 as threshold,
               ob.go_live_due_date + 1 as since,
               'go-live done ' || cast(ob.go_live_completed_date - ob.go_live_due_date as varchar) || ' days late'
                   as evidence
        {_ONBOARDING_JOIN}
        where {_holds('go_live_slipped')}""",
    "nps_detractor": f"""
        select account_id, value, threshold, since, evidence from (
            select i.account_id, n.score as value, {d.DETRACTOR_UP_TO} as threshold, n.responded_on as since,
                   n.contact_name || ' answered ' || cast(n.score as varchar) || ' on '
                       || cast(n.responded_on as varchar) || ' (detractor: {d.DETRACTOR_UP_TO} or less)'
                       || {_AND_MORE} as evidence,
                   row_number() over (partition by i.account_id
                                      order by n.score, n.responded_at desc, n.contact_email) as worst
            {_detail_join('nps_detractor')}
        ) as detractors
        where worst = 1""",
    "champion_left": f"""
        select account_id, value, threshold, since, evidence from (
            select i.account_id, i.as_of - ct.left_at as value, {d.CHAMPION_LEFT_WITHIN_DAYS} as threshold,
                   ct.left_at as since,
                   case when ct.is_champion then 'champion ' else 'decision maker ' end || ct.name
                       || coalesce(' (' || ct.title || ')', '') || ' left on ' || cast(ct.left_at as varchar)
                       || {_AND_MORE} as evidence,
                   row_number() over (partition by i.account_id order by ct.left_at desc, ct.contact_id) as recency
            {_detail_join('champion_left')}
        ) as leavers
        where recency = 1""",
    "business_change": f"""
        select account_id, value, threshold, since, evidence from (
            select i.account_id, i.as_of - e.occurred_on as value, {d.BUSINESS_CHANGE_WITHIN_DAYS} as threshold,
                   e.occurred_on as since,
                   {_EVENT_LABEL} || ' on ' || cast(e.occurred_on as varchar)
                       || coalesce(': ' || e.note, '')
                       || {_AND_MORE} as evidence,
                   row_number() over (partition by i.account_id order by e.occurred_on desc, e.event_id) as recency
            {_detail_join('business_change')}
        ) as changes
        where recency = 1""",
    "weak_new_users": f"""
        select i.account_id, count(*) as value, {d.WEAK_NEW_USER_VIEWS_BELOW} as threshold,
               min(cast(ua.created_at as date)) + {d.NEW_USER_FIRST_WEEK_DAYS} as since,
               cast(count(*) as varchar) || ' new user(s) with under {d.WEAK_NEW_USER_VIEWS_BELOW} page views '
                   || 'in their first week' as evidence
        {_detail_join('weak_new_users')}
        group by i.account_id""",
}
assert set(_RULES) | set(_DETAIL_RULES) == set(d.SIGNAL_RULES)
assert set(_DETAIL_ROWS) | set(_ONBOARDING_HOLDS) == set(_DETAIL_RULES)


def _branch(code: str, body: str) -> str:
    rule = d.SIGNAL_RULES[code]
    return (f"select x.account_id, '{code}' as rule, '{rule.label}' as label, '{rule.kind}' as kind, "
            f"{rule.severity} as severity, cast(x.value as double precision) as value, "
            f"cast(x.threshold as double precision) as threshold, x.since, x.evidence from ({body}) as x")


def signals_cte(with_since: bool = True) -> str:
    """`signals` over `in_scope`: account_id, rule, label, kind, severity, value, threshold, since,
    evidence. Without `with_since`, the daily facts are not read (since is null): for counts."""
    branches = [_branch(code, f"""
        select i.account_id, {value} as value, {threshold} as threshold,
               {since if with_since else 'cast(null as date)'} as since, {evidence} as evidence
        from in_scope as i
        where {_holds(code)}""") for code, (value, threshold, since, evidence, _where) in _RULES.items()]
    branches += [_branch(code, body) for code, body in _DETAIL_RULES.items()]
    # materialized: computed once, even where the caller joins it back to in_scope
    return "signals as materialized (\n" + "\n    union all\n".join(branches) + "\n)"


def _counts_sql() -> str:
    """Accounts and ARR per rule from one pass over in_scope: each account is classified by which
    rules hold for it (every condition evaluated once, as a group key, in a plain aggregate that
    PostgreSQL splits over parallel workers), the accounts are counted per combination (a few
    thousand groups at most), and each rule adds up the groups it holds in. Each account is joined
    once to its onboarding facts; the detail rules read the snapshot's facts, so no detail table is
    scanned."""
    held = ",\n                   ".join(f"{_holds(code)} as {code}" for code in d.SIGNAL_RULES)
    keys = ", ".join(str(n) for n in range(1, len(d.SIGNAL_RULES) + 1))  # by position: never an input column
    rows = "\n        union all\n        ".join(
        f"select '{code}' as rule, '{rule.label}' as label, '{rule.kind}' as kind, {rule.severity} as severity, "
        f"sum(case when {code} then accounts else 0 end) as accounts, "
        f"coalesce(sum(case when {code} then arr end), 0) as arr from combos" for code, rule in d.SIGNAL_RULES.items())
    return f""",
        combos as materialized (
            select {held},
                   count(*) as accounts, sum(i.arr) as arr
            from in_scope as i
            left join onboarding_signal_inputs as ob on ob.account_id = i.account_id
            group by {keys}
        )
        select rule, label, kind, severity, cast(accounts as bigint) as accounts, arr from (
        {rows}
        ) as per_rule
        where accounts > 0
        order by case when kind = 'risk' then 0 else 1 end, severity desc, arr desc"""


@reads_writeback
def firing(wh: Warehouse, filters: Filters, limit: int = d.LIST_LIMIT) -> pl.DataFrame:
    """Every signal that holds for the accounts in scope, the most urgent first: risks before
    opportunities, then severity, then ARR at stake."""
    statement, params = scoped(wh, filters, f""", {signals_cte()}
        select g.account_id, i.name, i.csm_name, i.segment, i.arr, g.rule, g.label, g.kind, g.severity,
               g.evidence, g.value, g.threshold, g.since
        from signals as g
        inner join in_scope as i on i.account_id = g.account_id
        order by case when g.kind = 'risk' then 0 else 1 end, g.severity desc, i.arr desc, g.account_id, g.rule
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})


@reads_writeback
def counts(wh: Warehouse, filters: Filters) -> pl.DataFrame:
    """Accounts and ARR per rule that fires, for the portfolio's overview."""
    statement, params = scoped(wh, filters, _counts_sql())
    return fetch(wh, statement, params)
