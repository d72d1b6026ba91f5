"""The shared filters and the one CTE that applies them.

Every page query starts from `in_scope`: accounts joined to their snapshot and CSM, with stage,
tier and band classified by queries/definitions.py, and the sidebar filters applied as bound
parameters (expanding IN lists), never as text.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from queries import definitions as d


@dataclass(frozen=True)
class Filters:
    """The sidebar's choice; an empty tuple means no restriction on that dimension."""
    segments: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    csm_ids: tuple[int, ...] = ()
    stages: tuple[str, ...] = tuple(d.LIVE_STAGES)
    tiers: tuple[str, ...] = ()
    account_ids: tuple[int, ...] = ()  # set by pages about given accounts, not by the sidebar

    def for_history(self) -> "Filters":
        """Stage and tier describe accounts today; history (rates, bridge, cohorts) keeps the
        who-filters (segment, team, CSM) and includes every account, churned ones too."""
        return Filters(segments=self.segments, teams=self.teams, csm_ids=self.csm_ids, stages=(), tiers=(),
                       account_ids=self.account_ids)


def _scoped_accounts(app_schema: str, with_book: bool) -> str:
    """logged_touches, and the scoped_accounts CTE when the body reads it (`with_book`): PostgreSQL
    counts a CTE's readers as written, so an unused scoped_accounts would make logged_touches a
    materialized CTE, which no parallel worker may scan."""
    book = f",\nscoped_accounts as ({_SCOPED_SELECT})" if with_book else ""
    # The quarter is the account's snapshot day's (every snapshot row has the same as_of), read by
    # the snapshot's account index for the few logged touches: a quarter taken from a subquery over
    # the whole snapshot kept PostgreSQL from splitting any statement over the book across parallel
    # workers (signal counts 1.9 s to 1.25 s at 1M accounts). The key is cast because DuckDB
    # otherwise narrows the joined ids to the touches' own range and fails later in the statement on
    # a larger one ("INT32 with value 128 can't be cast ... INT8"; tests/test_app.py found it).
    quarter_start = d.period_start("quarter", "s.as_of")
    return f"""
logged_touches as (
    select t.account_id, cast(max(t.touched_on) as timestamp) as last_logged_at,
           cast(sum(case when t.kind = 'business_review' and t.touched_on >= {quarter_start} then 1 else 0 end)
                as integer) as reviews_qtd,
           cast(sum(case when t.kind = 'onsite_visit' and t.touched_on >= {quarter_start} then 1 else 0 end)
                as integer) as visits_qtd
    from {app_schema}.touches as t
    inner join account_snapshot as s on s.account_id = cast(t.account_id as bigint)
    where {d.logged_conversation('t')}
    group by t.account_id
){book}"""


# Every account with its snapshot (which carries the account's own columns: no join to `accounts`),
# CSM and last touch, and the classes queries/definitions.py gives it. Written once; `scoped` places it twice: as in_scope's subquery, where PostgreSQL pushes
# the filters down into it (a CSM's 16 accounts are read by index), and as the scoped_accounts CTE
# for the few statements that look up an account outside the scope (changes.py: a flag assigned
# on another book). A CTE that two places read PostgreSQL materializes whole, 270k wide rows
# spilled to disk at 200k accounts, before any filter applies.
_SCOPED_SELECT = f"""
    select
        s.account_id, s.name, s.industry, s.segment, s.plan, s.csm_id,
        c.name as csm_name, c.team,
        s.as_of, s.customer_since, s.term_start, s.term_end, s.is_live, s.arr, s.seats,
        s.open_renewal_id, s.renewal_due_date, s.renewal_stage, s.renewal_forecast,
        s.health_score, s.health_score_4w_ago, s.health_drag, s.health_drag_points, s.tickets_30d,
        s.last_nps_score, s.last_nps_at, s.contract_id, s.onboarding_contract_id,
        {d.last_conversation('s', 'lt.last_logged_at')} as last_conversation_at,
        s.key_events_7d, s.key_events_baseline, s.weekday_active_users_7d, s.weekday_active_users_prev_28d,
        s.weekday_active_users_30d, s.licensed_seats_30d, s.tickets_7d,
        s.is_live_90d_ago, s.weekday_active_users_30d_90d_ago, s.licensed_seats_30d_90d_ago,
        s.last_active_day_90d_ago, s.last_detractor_answer_on, s.last_champion_left_on, s.last_business_change_on,
        s.last_weak_new_user_on,
        s.business_reviews_qtd + coalesce(lt.reviews_qtd, 0) as business_reviews_qtd,
        s.onsite_visits_qtd + coalesce(lt.visits_qtd, 0) as onsite_visits_qtd, {d.days_since_touch('s', 'lt.last_logged_at')} as days_since_touch,
        {d.lifecycle_stage('s')} as lifecycle_stage,
        {d.activity_tier('s')} as activity_tier,
        {d.health_band('s.health_score')} as health_band
    from account_snapshot as s
    left join csms as c on c.csm_id = s.csm_id
    left join logged_touches as lt on lt.account_id = s.account_id
"""

# The as-of day as one value for a whole statement (an index lookup on PostgreSQL). A date bound
# written with it lets the planner range-scan an event table before joining the book, which a bound
# on in_scope's own `as_of` column (one per row) cannot.
AS_OF = "(select max(as_of) from account_snapshot)"

_FILTER_COLUMNS = {"segments": "segment", "teams": "team", "csm_ids": "csm_id",
                   "stages": "lifecycle_stage", "tiers": "activity_tier", "account_ids": "account_id"}


# For history (Filters.for_history: no stage or tier filter) a query that reads only who an account
# is needs neither the snapshot nor the last touch: every account has its one snapshot row, so
# accounts and their CSM alone give the same accounts, without joining the wide snapshot per view.
_WHO_ACCOUNTS = """
scoped_accounts as (
    select a.account_id, a.name, a.industry, a.segment, a.plan, a.csm_id, c.name as csm_name, c.team
    from accounts as a
    left join csms as c on c.csm_id = a.csm_id
)"""


def scoped(wh, filters: Filters, body: str, lists: dict[str, list] | None = None,
           who_only: bool = False) -> tuple[sa.TextClause, dict]:
    """`with scoped_accounts, in_scope <body>`: body continues the WITH list or starts the SELECT.
    `lists` are extra list parameters the body uses as `in :name`. The last touch counts the
    touches logged in the app (wh's app schema) beside the warehouse's activities. With `who_only`
    (history filters only), in_scope has the account's own columns and its CSM's name and team."""
    if who_only and (filters.stages or filters.tiers):
        raise ValueError("who_only scopes take the who-filters only (Filters.for_history)")
    every_live_stage = set(filters.stages) == set(d.LIVE_STAGES)
    clauses, params, binds = in_lists((f"f_{field}", column, getattr(filters, field))
                                      for field, column in _FILTER_COLUMNS.items()
                                      if not (field == "stages" and every_live_stage))
    if every_live_stage:
        # the default scope: every live stage is the snapshot's is_live (a stage is 'churned' exactly
        # when not live), which PostgreSQL's planner can estimate; an IN list over the stage's CASE
        # it guesses at 2% of the book and then plans nested loops over 200k accounts
        clauses.insert(0, "is_live")
    params.update(lists or {})
    binds += [sa.bindparam(name, expanding=True) for name in lists or {}]
    where = " and ".join(clauses) or "1 = 1"
    accounts = _WHO_ACCOUNTS if who_only else _scoped_accounts(wh.app_schema, "scoped_accounts" in body)
    source = "scoped_accounts" if who_only else f"({_SCOPED_SELECT}) as scoped"
    text = f"with {accounts},\nin_scope as (select * from {source} where {where})\n{body}"
    return sa.text(text).bindparams(*binds), params


def who_clauses(filters: Filters, segment: str, csm_id: str, team: str) -> tuple[list[str], dict, list]:
    """WHERE clauses, parameters and expanding binds for the who-filters (segment, team, CSM) on a
    rollup's columns: rollups are kept per CSM and segment, so these are all they can answer."""
    return in_lists((("segments", segment, filters.segments), ("csm_ids", csm_id, filters.csm_ids),
                     ("teams", team, filters.teams)))


def who_of_rows(filters: Filters, alias: str) -> tuple[str, dict]:
    """A condition and its list parameters for the who-filters (segment, team, CSM) and the accounts
    on rows of a mart that carries each account's segment and CSM (`alias`), with that CSM's row
    joined as `c` (left join csms as c on c.csm_id = alias.csm_id): such a mart is filtered without
    joining the book. Bind the lists with `over_rows`."""
    who, lists, _ = who_clauses(filters, f"{alias}.segment", f"{alias}.csm_id", "c.team")
    if filters.account_ids:
        who.append(f"{alias}.account_id in :{alias}_accounts")
        lists[f"{alias}_accounts"] = list(filters.account_ids)
    return " and ".join(who) or "1 = 1", lists


def over_rows(statement: str, lists: dict[str, list]) -> tuple[sa.TextClause, dict]:
    """A whole statement over marts that carry each account's segment and CSM, filtered by
    `who_of_rows`: no book to scope, so only its list parameters are bound (expanding, which lets
    one SQL text take a list on both engines)."""
    binds = [sa.bindparam(name, expanding=True) for name in lists]
    return sa.text(statement).bindparams(*binds), dict(lists)


def in_lists(triples) -> tuple[list[str], dict, list]:
    """`column in :name` for each (name, column, values) with values: clauses, parameters, and the
    expanding binds that let one SQL text take a list on both engines."""
    clauses, params, binds = [], {}, []
    for name, column, values in triples:
        if values:
            clauses.append(f"{column} in :{name}")
            params[name] = list(values)
            binds.append(sa.bindparam(name, expanding=True))
    return clauses, params, binds


def activities_cte(wh) -> str:
    """`activities`: the warehouse's cs_activities and the touches logged in the app, in one shape
    (account, CSM who did it, kind, when), so cadence and activity figures count both. A logged
    'note' is the CSM's own record, not a conversation with the customer, and is left out."""
    return f"""activities as (
        select account_id, csm_id, kind, happened_at from cs_activities
        union all
        select t.account_id, c.csm_id, t.kind, cast(t.touched_on as timestamp)
        from {wh.app_schema}.touches as t
        left join csms as c on lower(c.email) = t.by_user
        where {d.logged_conversation('t')}
    )"""
