"""NPS, for leadership and leads: the score over time with its mix and response rate, by segment
and CSM, and the latest detractor comments with what is at stake."""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, cached, fetch, reads_writeback
from queries.flags import open_flags_cte
from queries.rollups import whole_months
from queries.scope import Filters, over_rows, scoped, who_clauses, who_of_rows

GROUPS = {"segment": "i.segment", "csm": "i.csm_name", "team": "i.team"}


def _aggregates() -> str:
    return (f"{d.SURVEYS_SENT} as surveys_sent, {d.RESPONSES} as responses, {d.PROMOTERS} as promoters, "
            f"{d.PASSIVES} as passives, {d.DETRACTORS} as detractors, {d.NPS} as nps, "
            f"{d.RESPONSE_RATE} as response_rate, "
            f"{d.small_sample(d.RESPONSES)} as small_sample")


def nps_by_period(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, grain: str = "month",
                  group: str = "segment") -> pl.DataFrame:
    """NPS, its promoter/passive/detractor counts and the response rate per period of sending."""
    rows = _nps_rows(wh, filters, start, end, grain, group)
    return rows.filter(pl.col("level") == "period").drop("level", "grp")


def nps_by_group(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, group: str | None = None,
                 grain: str = "month") -> pl.DataFrame:
    """The same figures per segment, team or CSM over the whole period (one row when group is None)."""
    rows = _nps_rows(wh, filters, start, end, grain, group or "segment")
    level = "group" if group else "total"
    return rows.filter(pl.col("level") == level).drop("level", "period") \
        .with_columns(pl.col("grp").fill_null("all")).sort("nps", "grp", descending=[True, False], nulls_last=True)


@cached
def _nps_rows(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, grain: str, group: str) -> pl.DataFrame:
    """Per period, per group and in total, from one pass over the surveys (grouping sets): the
    whole months from the nps_monthly rollup, the days before and after them from nps_surveys
    (each survey with its account's CSM and segment). A list of accounts (which the rollup does not
    keep) reads every day from nps_surveys."""
    whole_from, whole_to = whole_months(start, end) if not filters.account_ids else (start, start)
    who, _, _ = who_clauses(filters, "m.segment", "m.csm_id", "c.team")  # the lists are who_of_rows' own
    who_of_surveys, lists = who_of_rows(filters, "r")
    grain_sql = d.period_grain(grain)
    statement, params = over_rows(f"""
        with surveys as (
            select cast(date_trunc('{grain_sql}', i.month) as date) as period,
                   coalesce({GROUPS[group]}, 'none') as grp, i.score, i.surveys
            from (select m.month, m.segment, c.name as csm_name, c.team, m.score, m.surveys
                  from nps_monthly as m
                  left join csms as c on c.csm_id = m.csm_id
                  where m.month >= :whole_from and m.month < :whole_to{"".join(" and " + w for w in who)}) as i
            union all
            select cast(date_trunc('{grain_sql}', i.sent_at) as date), coalesce({GROUPS[group]}, 'none'),
                   i.score, 1
            from (select r.sent_at, r.segment, c.name as csm_name, c.team, r.score
                  from nps_surveys as r
                  left join csms as c on c.csm_id = r.csm_id
                  -- the days before the whole months and the days after them: two ranges, which the
                  -- planner estimates from the index (a NOT over the months it took for most of the year)
                  where ((r.sent_at >= cast(:start as timestamp) and r.sent_at < cast(:whole_from as timestamp))
                         or (r.sent_at >= cast(:whole_to as timestamp) and r.sent_at < cast(:after_end as timestamp)))
                    and {who_of_surveys}) as i
        ),
        per_score as (
            -- summed per period, group and score first: a plain grouping, which PostgreSQL splits
            -- over its workers (grouping sets over every survey row ran in one process)
            select period, grp, score, sum(surveys) as surveys
            from surveys
            group by period, grp, score
        )
        select case when grouping(period) = 0 then 'period' when grouping(grp) = 0 then 'group' else 'total' end
                   as level,
               period, grp, {_aggregates()}
        from per_score
        group by grouping sets ((period), (grp), ())
        order by level, period""", lists)
    return fetch(wh, statement, {**params, "start": start, "after_end": end + dt.timedelta(days=1),
                                 "whole_from": whole_from, "whole_to": whole_to})


@reads_writeback
def detractor_comments(wh: Warehouse, filters: Filters, limit: int = 50) -> pl.DataFrame:
    """The latest detractor answers with a comment, who gave them (the contact's name, or the
    address when no contact of the account holds it), and what is at stake on each account."""
    statement, params = scoped(wh, filters, f""", {open_flags_cte(wh)}
        select l.responded_at, l.score, l.comment,
               coalesce((select min(c.name) from contacts as c
                         where c.account_id = l.account_id and c.email = l.contact_email), l.contact_email) as contact,
               l.account_id, l.name, l.segment, l.csm_name, l.arr, l.renewal_due_date, l.health_score, l.open_flag
        from (
            select r.responded_at, r.survey_id, r.score, r.comment, r.contact_email, i.account_id, i.name, i.segment,
                   i.csm_name, i.arr, i.renewal_due_date, i.health_score,
                   case when coalesce(f.open_flags, 0) > 0 then true else false end as open_flag
            from nps_responses as r
            inner join in_scope as i on i.account_id = r.account_id
            left join open_flags as f on f.account_id = i.account_id
            where r.score <= {d.DETRACTOR_UP_TO} and r.comment is not null
            order by r.responded_at desc, r.survey_id desc
            limit :limit
        ) as l
        order by l.responded_at desc, l.survey_id desc""")
    return fetch(wh, statement, {**params, "limit": limit})
