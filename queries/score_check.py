"""Score check, for leadership and CS operations: did the health score, its components and the
signal rules foretell the renewals that followed, on the company's own history?

Every figure is computed in SQL over decided renewals (`renewals_as_of`) and dbt marts:
`score_check_renewal_health` (per decided renewal and look-back, the score that stood N days
before the due date, with that day's components and weights) and `score_check_signal_facts` (per
decided renewal and look-back, the lowest usage shares and the most tickets in 7 days over the
window's days, for the usage and ticket-burst rules); the other rules read their small tables
directly. The band rules, the rates and the thresholds come from queries/definitions.py; the
what-if re-weighs the same components by the warehouse's own rule (a component with no data is
left out and its weight spread over the others), so current and proposed weights differ only in
the weights.
"""
from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from queries import definitions as d
from queries.db import Warehouse, cached, fetch
from queries.scope import Filters, over_rows, who_of_rows


def _over_decided(filters: Filters, body: str) -> tuple[sa.TextClause, dict]:
    """`with decided <body>` (body continues the WITH list or starts the SELECT): `decided` is the
    decided renewals of the span the who-filters keep (history: churned accounts too), each with
    the day its health is looked at (N days before due). renewals_as_of carries the account's
    segment and CSM, so no book is joined."""
    who, lists = who_of_rows(filters, "r")
    return over_rows(f"""with decided as (
        select r.renewal_id, r.account_id, r.due_date, r.outcome, r.arr_up, r.arr_renewed,
               r.due_date - :lead_days as looked_on,
               case when {d.bad_outcome('r')} then 1 else 0 end as bad,
               case when r.outcome = 'churned' then 1 else 0 end as lost
        from renewals_as_of as r
        left join csms as c on c.csm_id = r.csm_id
        where r.outcome is not null and r.due_date >= :start and r.due_date <= :end and {who}
    ){body}""", lists)

# `looked`: each renewal whose account had a score N days before due (the latest weekly score on or
# before the look day, if recent enough), with that day and score, one row each (the dbt mart
# score_check_renewal_scores); `components`: that day's components, values and weights
# (score_check_renewal_health), read only by what needs them. Both marts hold every look-back the
# page offers (d.SCORE_CHECK_LEAD_DAYS, passed to dbt as vars), read by look-back and due date
# (their index) rather than by probing each renewal.
_LOOKED = """looked as (
        select m.renewal_id, m.health_day, m.score
        from score_check_renewal_scores as m
        inner join decided as dd on dd.renewal_id = m.renewal_id
        where m.lead_days = :lead_days and m.due_date >= :start and m.due_date <= :end
    ),
    components as (
        select m.renewal_id, m.health_day, m.component, m.value, m.weight, m.score, dd.outcome
        from score_check_renewal_health as m
        inner join decided as dd on dd.renewal_id = m.renewal_id
        where m.lead_days = :lead_days and m.due_date >= :start and m.due_date <= :end
    )"""

_BAND_ORDER = " ".join(f"when '{b}' then {i}" for i, b in enumerate(d.HEALTH_BANDS))


def _params(as_of: dt.date, quarters: int, lead_days: int) -> dict:
    if lead_days not in d.SCORE_CHECK_LEAD_DAYS:
        raise ValueError(f"unknown look-back: {lead_days!r}")
    return {"start": d.score_check_start(as_of, quarters), "end": as_of, "lead_days": int(lead_days)}


def _band_rows(scores: dict[str, str], rows: str = "components") -> str:
    """Per score (name -> expression over the `rows` of one renewal: `components`, or `looked` for
    the score itself) and band: counts, logo renewal rate and GRR, and green's lead over red.
    `scores` names are code, not user input."""
    per_renewal = ", ".join(f"{expr} as score_{name}" for name, expr in scores.items())
    # each renewal's scores in one pass over its component rows, grouped by the renewal alone (none:
    # no score), then read once per score: joining decided renewals to per-renewal scores in every
    # branch made PostgreSQL guess millions of rows and spend most of the query compiling it (JIT)
    unpivot = " union all ".join(
        f"select '{name}' as weights, {d.health_band(f's.score_{name}')} as band, s.* from scored as s"
        for name in scores)
    score_columns = ", ".join(f"c.score_{name}" for name in scores)
    return f""",
    per_renewal as (
        select renewal_id, {per_renewal}
        from {rows}
        group by renewal_id
    ),
    scored as (
        select s.renewal_id, s.outcome, s.arr_up, s.arr_renewed, s.bad, s.lost, {score_columns}
        from decided as s
        left join per_renewal as c on c.renewal_id = s.renewal_id
    ),
    banded as ({unpivot}),
    by_band as (
        select weights, band, {d.DECIDED} as decided, {d.RENEWED} as renewed, {d.CHURNED} as churned,
               sum(bad) - {d.CHURNED} as contracted, {d.ARR_UP} as arr_up,
               {d.LOGO_RENEWAL_RATE} as logo_renewal_rate, {d.GRR} as grr,
               case when {d.DECIDED} < {d.SMALL_SAMPLE_BELOW} then true else false end as small_sample
        from banded
        group by weights, band
    ),
    spread as (
        select weights,
               max(case when band = 'green' then logo_renewal_rate end)
                 - max(case when band = 'red' then logo_renewal_rate end) as logo_spread,
               max(case when band = 'green' then grr end) - max(case when band = 'red' then grr end) as grr_spread,
               max(case when band in ('green', 'red') and small_sample then 1 else 0 end) = 1 as spread_small_sample
        from by_band
        group by weights
    )
    select b.weights, b.band, b.decided, b.renewed, b.churned, b.contracted, b.arr_up, b.logo_renewal_rate,
           b.grr, b.small_sample, s.logo_spread, s.grr_spread, s.spread_small_sample
    from by_band as b
    inner join spread as s on s.weights = b.weights
    order by b.weights, case b.band {_BAND_ORDER} end"""


@cached
def bands(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int) -> pl.DataFrame:
    """Per health band N days before due (the warehouse's own score): decided renewals, renewed,
    churned, contracted, ARR up, logo renewal rate, GRR, and green minus red on every row."""
    statement, params = _over_decided(filters, f""", {_LOOKED}
        {_band_rows({'warehouse': 'max(score)'}, rows='looked')}""")
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)}).drop("weights")


def _weighted(w: str) -> str:
    """The score under weights `w` (an expression per component row), by the warehouse's rule: the
    weighted mean of the components that have a value (what health_components_daily's points add
    up to under the warehouse's own weights)."""
    return f"sum(value * {w}) / nullif(sum(case when value is not null then {w} end), 0)"


def _bound_weights(weights: dict[str, float]) -> tuple[str, dict]:
    """Proposed weights as an expression per component row; names and weights bound, never inlined."""
    cases = " ".join(f"when :wc_{i} then cast(:wv_{i} as double precision)" for i in range(len(weights)))
    params = {}
    for i, (component, weight) in enumerate(sorted(weights.items())):
        params[f"wc_{i}"], params[f"wv_{i}"] = component, float(weight)
    return f"(case component {cases} else 0 end)", params


@cached
def what_if(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int,
            weights: tuple[tuple[str, float], ...]) -> pl.DataFrame:
    """The band table twice over the same renewals, each score recomputed from its components by
    the same expression: `current` under the warehouse's weights, `proposed` under `weights`
    ((component, weight) pairs; any scale, only proportions matter)."""
    proposed, weight_params = _bound_weights(dict(weights))
    statement, params = _over_decided(filters, f""", {_LOOKED}
        {_band_rows({'current': _weighted('weight'), 'proposed': _weighted(proposed)})}""")
    return fetch(wh, statement, {**params, **weight_params, **_params(as_of, quarters, lead_days)})


@cached
def component_spreads(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int,
                      lead_days: int) -> pl.DataFrame:
    """Per health component: among renewals whose account had a value N days before due, the logo
    renewal rate of its top quartile against its bottom quartile, with counts."""
    statement, params = _over_decided(filters, f""", {_LOOKED},
        valued as (
            select c.component, c.value, c.outcome
            from components as c
            where c.value is not null
        ),
        cuts as (
            select component, count(*) as with_value,
                   percentile_cont(0.25) within group (order by value) as bottom_cut,
                   percentile_cont(0.75) within group (order by value) as top_cut
            from valued
            group by component
        ),
        counted as (
            select v.component, k.with_value, k.bottom_cut, k.top_cut,
                   sum(case when v.value <= k.bottom_cut then 1 else 0 end) as bottom_n,
                   sum(case when v.value <= k.bottom_cut and v.outcome = 'renewed' then 1 else 0 end) as bottom_renewed,
                   sum(case when v.value >= k.top_cut then 1 else 0 end) as top_n,
                   sum(case when v.value >= k.top_cut and v.outcome = 'renewed' then 1 else 0 end) as top_renewed
            from valued as v
            inner join cuts as k on k.component = v.component
            group by v.component, k.with_value, k.bottom_cut, k.top_cut
        ),
        rated as (
            select *, cast(top_renewed as double precision) / nullif(top_n, 0) as top_rate,
                   cast(bottom_renewed as double precision) / nullif(bottom_n, 0) as bottom_rate
            from counted
        )
        select r.component, hc.label, hc.weight, r.with_value, r.bottom_cut, r.top_cut,
               r.bottom_n, r.bottom_rate, r.top_n, r.top_rate, r.top_rate - r.bottom_rate as spread,
               case when least(r.bottom_n, r.top_n) < {d.SMALL_SAMPLE_BELOW} then true else false end as small_sample
        from rated as r
        inner join health_components as hc on hc.component = r.component
        order by hc.weight desc, r.component""")
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)})


# --- signals over history -----------------------------------------------------------------------
# Each branch: the (renewal, rule) pairs whose rule held on at least one day t of the window
# [due - N, due - 1], by the rule's own definition (queries/signals.py) evaluated on day t.
_USAGE_REACH_DAYS = d.RECENT_DAYS + d.USAGE_BASELINE_DAYS - 1  # the usage_drop baseline on day t starts this many days before t

# The usage and ticket rules read the dbt mart score_check_signal_facts: per renewal and look-back,
# the lowest usage shares and the most tickets in 7 days over the window's days, so that a rule
# held on some day of the window exactly when the window's extreme passes the rule's threshold.
_FACTS = """facts as (
        select f.renewal_id, f.lowest_key_events_share, f.lowest_weekday_users_share, f.most_tickets_7d
        from score_check_signal_facts as f
        inner join decided as dd on dd.renewal_id = f.renewal_id
        where f.lead_days = :lead_days and f.due_date >= :start and f.due_date <= :end
    )"""

_FIRED = {
    # 5+ tickets opened in (t - 7, t] on some day t of the window
    "ticket_burst": f"""
        select f.renewal_id, 'ticket_burst' as rule
        from facts as f
        where f.most_tickets_7d >= {d.TICKET_BURST_FROM}""",
    # a contact's latest answer by day t scored 0-6 and was given in (t - 180, t]
    "nps_detractor": f"""
        select distinct dd.renewal_id, 'nps_detractor' as rule
        from decided as dd
        inner join nps_responses as a on a.account_id = dd.account_id
        where a.score is not null and a.score <= {d.DETRACTOR_UP_TO}
          and cast(a.responded_at as date) > dd.looked_on - {d.DETRACTOR_WITHIN_DAYS}
          and cast(a.responded_at as date) < dd.due_date
          and not exists (
              select 1 from nps_responses as b
              where b.account_id = a.account_id and b.contact_email = a.contact_email and b.score is not null
                and (b.responded_at > a.responded_at or (b.responded_at = a.responded_at and b.survey_id > a.survey_id))
                and cast(b.responded_at as date) <= greatest(cast(a.responded_at as date), dd.looked_on))""",
    # a champion or tier-S contact left in (t - 90, t]
    "champion_left": f"""
        select distinct dd.renewal_id, 'champion_left' as rule
        from decided as dd
        inner join contacts as ct on ct.account_id = dd.account_id
        where (ct.is_champion or ct.tier = 'S')
          and ct.left_at > dd.looked_on - {d.CHAMPION_LEFT_WITHIN_DAYS} and ct.left_at < dd.due_date""",
    # an acquisition, layoffs, a leadership change or a funding cut in (t - 90, t]
    "business_change": f"""
        select distinct dd.renewal_id, 'business_change' as rule
        from decided as dd
        inner join business_events as e on e.account_id = dd.account_id
        where e.occurred_on > dd.looked_on - {d.BUSINESS_CHANGE_WITHIN_DAYS} and e.occurred_on < dd.due_date""",
    # on some day t with usage: key events over (t - 7, t] below the share of the (t - 97, t - 7]
    # baseline; weekday active users over (t - 7, t] at or below the share of (t - 35, t - 7] (with
    # enough users before: the mart's days)
    "usage_drop": f"""
        select f.renewal_id, 'usage_drop' as rule
        from facts as f
        where f.lowest_key_events_share < {d.USAGE_DROP_BELOW}""",
    "sudden_drop": f"""
        select f.renewal_id, 'sudden_drop' as rule
        from facts as f
        where f.lowest_weekday_users_share <= {d.SUDDEN_DROP_TO}""",
}
_NEEDS_USAGE = {"usage_drop", "sudden_drop"}
assert set(_FIRED) == set(d.SCORE_CHECK_RULES)


@cached
def signal_hits(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int) -> pl.DataFrame:
    """Per signal rule evaluated over history: renewals it could be judged on, on how many it held
    in the N days before due, the share of those that churned or contracted (precision), and the
    share of churned renewals it flagged (recall), with the counts behind each."""
    rules = " union all ".join(f"select '{r}' as rule, {1 if r in _NEEDS_USAGE else 0} as needs_usage"
                               for r in d.SCORE_CHECK_RULES)
    fired = " union ".join(f"({sql})" for sql in _FIRED.values())
    statement, params = _over_decided(filters, f""", {_FACTS},
        rules as ({rules}),
        fired as ({fired}),
        evaluable as (
            select dd.renewal_id, dd.bad, dd.lost, ru.rule
            from decided as dd
            cross join rules as ru
            where ru.needs_usage = 0
               or dd.looked_on - {_USAGE_REACH_DAYS} >= (select min(day) from usage_daily)
        ),
        counted as (
            select e.rule, count(*) as evaluated,
                   sum(case when f.renewal_id is not null then 1 else 0 end) as fired,
                   sum(case when f.renewal_id is not null then e.bad else 0 end) as fired_bad,
                   sum(e.lost) as churned,
                   sum(case when f.renewal_id is not null then e.lost else 0 end) as churned_flagged
            from evaluable as e
            left join fired as f on f.renewal_id = e.renewal_id and f.rule = e.rule
            group by e.rule
        )
        select ru.rule, coalesce(c.evaluated, 0) as evaluated, coalesce(c.fired, 0) as fired,
               coalesce(c.fired_bad, 0) as fired_bad,
               cast(c.fired_bad as double precision) / nullif(c.fired, 0) as precision,
               coalesce(c.churned, 0) as churned, coalesce(c.churned_flagged, 0) as churned_flagged,
               cast(c.churned_flagged as double precision) / nullif(c.churned, 0) as recall,
               case when coalesce(c.fired, 0) < {d.SMALL_SAMPLE_BELOW} then true else false end as precision_small,
               case when coalesce(c.churned, 0) < {d.SMALL_SAMPLE_BELOW} then true else false end as recall_small
        from rules as ru
        left join counted as c on c.rule = ru.rule
        order by ru.rule""")
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)})


@cached
def base_rates(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int) -> dict:
    """The span's decided renewals, how many churned or contracted, and how many had a score N days
    before due: what every rate on the page is compared with."""
    statement, params = _over_decided(filters, f""", {_LOOKED}
        select {d.DECIDED} as decided, sum(bad) as bad, {d.CHURNED} as churned,
               {d.LOGO_RENEWAL_RATE} as logo_renewal_rate, {d.GRR} as grr,
               sum(case when renewal_id in (select renewal_id from looked) then 1 else 0 end) as scored
        from decided""")
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)}).row(0, named=True)


@cached
def components(wh: Warehouse) -> pl.DataFrame:
    """The health components with their warehouse weights: what the what-if starts from."""
    return fetch(wh, sa.text("select component, label, weight, description from health_components "
                             "order by weight desc, component"))
