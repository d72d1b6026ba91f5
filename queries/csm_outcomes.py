"""Outcomes per CSM, for team leads: real money beside activity. Each CSM's and each team's logo
renewal rate, GRR and NRR, and the expansion ARR credited to them, over a period.

Rates are the Renewals page's (definitions.LOGO_RENEWAL_RATE, GRR, NRR over the renewals due in the
period, rollups.renewals_due); expansion is the ARR bridge's (definitions.bridge_expansion), taken
on each day an account's ARR changes (the arr_changes_daily mart) so that each rise can be given to
sales or to the CSM (definitions.credited_to_csm). The warehouse has no CSM assignment history, so
both follow the accounts in each CSM's book today (definitions.DEFINITIONS["csm_outcomes_book"]).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, cached, fetch
from queries.rollups import renewals_due
from queries.scope import Filters, in_lists, over_rows, who_of_rows

_SAME_ROW = "{x}.team = p.team and {x}.team_row = p.team_row and (p.team_row = 1 or {x}.csm_id = p.csm_id)"


@cached
def outcomes(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per team (team_total) followed by one per CSM of it, over [start, end]: renewals due
    (decided, renewed, churned, still open, ARR up), the three rates (null when none was decided),
    whether the sample is small, and the expansion ARR credited to the CSM and to sales.

    History keeps the who-filters (segment, team, CSM) and every account, churned ones too. CSMs are
    those of the Team page's workload table: role 'csm' with an account in scope, or with no account
    at all (an empty book, when the who-filters allow them)."""
    # the renewals rollup and arr_changes_daily carry the account's CSM and segment: no book is joined
    due, lists, due_params = renewals_due(filters, start, end)
    who_changes, more = who_of_rows(filters, "x")
    lists.update(more)
    # people: CSMs the team and CSM filters keep, with an account the segment filter keeps, or with
    # no account at all (then their own segment must pass). With no segment filter that holds for
    # every CSM, so the book (1.3M accounts at 1M, which PostgreSQL hashes for the test) is not read.
    team_and_csm, _, _ = in_lists((("csm_ids", "c.csm_id", filters.csm_ids), ("teams", "c.team", filters.teams)))
    account_segment, _, _ = in_lists((("segments", "a.segment", filters.segments),))
    own_segment, _, _ = in_lists((("segments", "c.segment", filters.segments),))
    segment_rule = f"""and (exists (select 1 from accounts as a where a.csm_id = c.csm_id and {account_segment[0]})
                   or (not exists (select 1 from accounts as a where a.csm_id = c.csm_id) and {own_segment[0]}))""" \
        if filters.segments else ""
    credited = d.credited_to_csm("day", "signed_on")
    statement, params = over_rows(f"""with
        {due},
        rates as (
            select team, csm_id, grouping(csm_id) as team_row,
                   {d.DECIDED} as decided, {d.RENEWED} as renewed, {d.CHURNED} as churned,
                   {d.STILL_OPEN} as still_open, {d.ARR_UP} as arr_up,
                   {d.LOGO_RENEWAL_RATE} as logo_renewal_rate, {d.GRR} as grr, {d.NRR} as nrr
            from due
            where role = 'csm'
            group by grouping sets ((team, csm_id), (team))
        ),
        expansions as (
            -- the ARR bridge over each day an account's ARR changed in the period (arr_changes_daily:
            -- the close of the day before against the close of the day, and the signing of the
            -- relationship the day belongs to, its newest new or win-back term started by then),
            -- summed per CSM and whom it is credited to: a plain grouping, which PostgreSQL splits
            -- over its workers (grouping sets over every change ran in one process)
            select e.team, e.csm_id, {credited} as credited, sum(e.expansion) as expansion_arr,
                   count(*) as expansions
            from (
                select c.csm_id, c.team, x.day, x.signed_on,
                       {d.bridge_expansion('x.arr_before', 'x.arr_after',
                                           'x.churned and x.arr_before > 0 and x.arr_after > 0')} as expansion
                from arr_changes_daily as x
                inner join csms as c on c.csm_id = x.csm_id and c.role = 'csm'
                where x.day >= :start and x.day <= :end and {who_changes}
            ) as e
            where e.expansion > 0
            group by 1, 2, 3
        ),
        credits as (
            select team, csm_id, grouping(csm_id) as team_row,
                   coalesce(sum(case when credited then expansion_arr end), 0) as csm_expansion_arr,
                   coalesce(sum(case when credited then expansions end), 0) as csm_expansions,
                   coalesce(sum(case when not credited then expansion_arr end), 0) as sales_expansion_arr
            from expansions
            group by grouping sets ((team, csm_id), (team))
        ),
        people as (
            select c.team, c.csm_id, c.name as csm_name, 0 as team_row
            from csms as c
            where c.role = 'csm' {"".join(" and " + w for w in team_and_csm)}
              {segment_rule}
        ),
        shown as (
            select team, csm_id, csm_name, team_row from people
            union all
            select distinct team, cast(null as integer), cast(null as varchar), 1 from people
        )
        select p.team, p.csm_id, p.csm_name, p.team_row = 1 as team_total,
               coalesce(r.decided, 0) as decided, coalesce(r.renewed, 0) as renewed,
               coalesce(r.churned, 0) as churned, coalesce(r.still_open, 0) as still_open,
               coalesce(r.arr_up, 0) as arr_up,
               r.logo_renewal_rate, r.grr, r.nrr,
               {d.small_sample('coalesce(r.decided, 0)')} as small_sample,
               coalesce(x.csm_expansion_arr, 0) as csm_expansion_arr,
               coalesce(x.csm_expansions, 0) as csm_expansions,
               coalesce(x.sales_expansion_arr, 0) as sales_expansion_arr
        from shown as p
        left join rates as r on {_SAME_ROW.format(x="r")}
        left join credits as x on {_SAME_ROW.format(x="x")}
        order by p.team, p.team_row desc, p.csm_name, p.csm_id""", lists)
    return fetch(wh, statement, {**params, **due_params})
