"""NPS, for leadership and leads: the score over time with its mix and response rate, by segment
and CSM, and the latest detractor comments with what is at stake."""
from __future__ import annotations

import datetime as dt

import polars as pl

from queries import definitions as d
from queries.db import Warehouse, cached, fetch
from queries.renewals import open_flags_cte
from queries.scope import Filters, scoped

GRAINS = {"month": "month", "quarter": "quarter"}
GROUPS = {"segment": "i.segment", "csm": "i.csm_name", "team": "i.team"}


def _aggregates() -> str:
    return (f"{d.SURVEYS_SENT} as surveys_sent, {d.RESPONSES} as responses, {d.PROMOTERS} as promoters, "
            f"{d.PASSIVES} as passives, {d.DETRACTORS} as detractors, {d.NPS} as nps, "
            f"{d.RESPONSE_RATE} as response_rate, "
            f"case when {d.RESPONSES} < {d.SMALL_SAMPLE_BELOW} then true else false end as small_sample")


@cached
def nps_by_period(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date, grain: str = "month") -> pl.DataFrame:
    """NPS, its promoter/passive/detractor counts and the response rate per period of sending."""
    statement, params = scoped(filters.for_history(), f"""
        select cast(date_trunc('{GRAINS[grain]}', r.sent_at) as date) as period, {_aggregates()}
        from nps_responses as r
        inner join in_scope as i on i.account_id = r.account_id
        where cast(r.sent_at as date) >= :start and cast(r.sent_at as date) <= :end
        group by 1
        order by 1""")
    return fetch(wh, statement, {**params, "start": start, "end": end})


@cached
def nps_by_group(wh: Warehouse, filters: Filters, start: dt.date, end: dt.date,
                 group: str | None = None) -> pl.DataFrame:
    """The same figures per segment, team or CSM over the whole period (one row when group is None)."""
    column = f"coalesce({GROUPS[group]}, 'none')" if group else "'all'"  # allow-listed identifiers
    statement, params = scoped(filters.for_history(), f"""
        select {column} as grp, {_aggregates()}
        from nps_responses as r
        inner join in_scope as i on i.account_id = r.account_id
        where cast(r.sent_at as date) >= :start and cast(r.sent_at as date) <= :end
        {f"group by {GROUPS[group]} order by nps desc, grp" if group else ""}""")
    return fetch(wh, statement, {**params, "start": start, "end": end})


@cached
def detractor_comments(wh: Warehouse, filters: Filters, limit: int = 50) -> pl.DataFrame:
    """The latest detractor answers with a comment, and what is at stake on each account."""
    statement, params = scoped(filters, f""", {open_flags_cte(wh)}
        select r.responded_at, r.score, r.comment, r.contact_email, i.account_id, i.name, i.segment,
               i.csm_name, i.arr, i.renewal_due_date, i.health_score,
               case when coalesce(f.open_flags, 0) > 0 then true else false end as open_flag
        from nps_responses as r
        inner join in_scope as i on i.account_id = r.account_id
        left join open_flags as f on f.account_id = i.account_id
        where r.score <= {d.DETRACTOR_UP_TO} and r.comment is not null
        order by r.responded_at desc, r.survey_id desc
        limit :limit""")
    return fetch(wh, statement, {**params, "limit": limit})
