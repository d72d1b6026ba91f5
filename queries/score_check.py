"""Score check, for leadership and CS operations: did the health score, its components and the
signal rules foretell the renewals that followed, on the company's own history?

Every figure is computed in SQL over dbt marts: `score_check_renewal_scores` (per decided renewal
of renewals_as_of and look-back, its outcome, the score that stood N days before the due date, and
the latest champion departure, business event and standing detractor answer before it),
`score_check_renewal_health` (the same renewals' components and weights that day) and
`score_check_signal_facts` (per decided renewal and look-back, the lowest usage shares and the most
tickets in 7 days over the window's days, for the usage and ticket-burst rules). The band rules,
the rates and the thresholds come from queries/definitions.py; the what-if re-weighs the same components by the warehouse's own rule (a component with no data is
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


def _over_decided(filters: Filters, body: str, components: bool = False) -> tuple[sa.TextClause, dict]:
    """`with decided[, components] <body>` (body continues the WITH list or starts the SELECT).

    `decided`: the decided renewals of the span and look-back the who-filters keep (history: churned
    accounts too), each with its look day (N days before due) and the score it was judged by, if
    any: rows of the dbt mart score_check_renewal_scores, which carries the outcome, ARR, segment
    and CSM, read by look-back and due date (its index) with no join. `components`: the day's
    components, values and weights of those judged by a score, with the outcome
    (score_check_renewal_health, alike), for what needs them. Both marts hold every look-back the
    page offers (d.SCORE_CHECK_LEAD_DAYS, passed to dbt as vars)."""
    who, lists = who_of_rows(filters, "r")
    ctes = f"""with decided as (
        select r.renewal_id, r.account_id, r.due_date, r.outcome, 1 as renewals, r.arr_up, r.arr_renewed,
               r.arr_kept, r.looked_on,
               r.health_day, r.score, r.last_champion_left_before_due, r.last_business_change_before_due,
               r.last_standing_detractor_before_due,
               case when {d.bad_outcome('r')} then 1 else 0 end as bad,
               case when r.outcome = 'churned' then 1 else 0 end as lost
        from score_check_renewal_scores as r
        left join csms as c on c.csm_id = r.csm_id
        where r.lead_days = :lead_days and r.due_date >= :start and r.due_date <= :end and {who}
    )"""
    if components:
        who_of_components, more = who_of_rows(filters, "m")
        lists.update(more)
        ctes += f""",
    components as (
        select m.renewal_id, m.component, m.value, m.weight, m.outcome
        from score_check_renewal_health as m
        left join csms as c on c.csm_id = m.csm_id
        where m.lead_days = :lead_days and m.due_date >= :start and m.due_date <= :end and {who_of_components}
    )"""
    return over_rows(ctes + body, lists)


_BAND_ORDER = " ".join(f"when '{b}' then {i}" for i, b in enumerate(d.HEALTH_BANDS))


def _params(as_of: dt.date, quarters: int, lead_days: int) -> dict:
    if lead_days not in d.SCORE_CHECK_LEAD_DAYS:
        raise ValueError(f"unknown look-back: {lead_days!r}")
    return {"start": d.score_check_start(as_of, quarters), "end": as_of, "lead_days": int(lead_days)}


def _band_rows(scores: dict[str, str], per_component: bool = True) -> str:
    """Per score (name -> expression: over the `components` rows of one renewal, or with
    per_component False over the renewal's own `decided` row) and band: counts, logo renewal rate
    and GRR, and green's lead over red. `scores` names are code, not user input."""
    score_columns = ", ".join(f"c.score_{name}" for name in scores)
    own = ", ".join(f"{expr} as score_{name}" for name, expr in scores.items())
    # each renewal's scores in one pass over its component rows, grouped by the renewal alone (none:
    # no score), then read once per score: joining decided renewals to per-renewal scores in every
    # branch made PostgreSQL guess millions of rows and spend most of the query compiling it (JIT)
    scored = f"""
    per_renewal as (
        select renewal_id, {own}
        from components
        group by renewal_id
    ),
    scored as (
        select s.renewal_id, s.outcome, s.renewals, s.arr_up, s.arr_renewed, s.arr_kept, s.bad, s.lost, {score_columns}
        from decided as s
        left join per_renewal as c on c.renewal_id = s.renewal_id
    ),""" if per_component else f"""
    scored as (
        select renewal_id, outcome, renewals, arr_up, arr_renewed, arr_kept, bad, lost, {own}
        from decided
    ),"""
    # one row per renewal and set of weights, from one read of `scored` (a CTE read twice is
    # materialized whole by PostgreSQL: 850k rows at 1M accounts)
    names = ", ".join(f"('{name}')" for name in scores)
    score = "case w.weights " + " ".join(f"when '{name}' then s.score_{name}" for name in scores) + " end"
    return f""",{scored}
    banded as (
        select w.weights, {d.health_band(score)} as band, s.*
        from scored as s
        cross join (values {names}) as w (weights)
    ),
    by_band as (
        select weights, band, {d.DECIDED} as decided, {d.RENEWED} as renewed, {d.CHURNED} as churned,
               sum(bad) - {d.CHURNED} as contracted, {d.ARR_UP} as arr_up,
               {d.LOGO_RENEWAL_RATE} as logo_renewal_rate, {d.GRR} as grr,
               {d.small_sample(d.DECIDED)} as small_sample
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
    statement, params = _over_decided(filters, _band_rows({'warehouse': 'score'}, per_component=False))
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
    statement, params = _over_decided(
        filters, _band_rows({'current': _weighted('weight'), 'proposed': _weighted(proposed)}), components=True)
    return fetch(wh, statement, {**params, **weight_params, **_params(as_of, quarters, lead_days)})


@cached
def component_spreads(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int,
                      lead_days: int) -> pl.DataFrame:
    """Per health component: among renewals whose account had a value N days before due, the logo
    renewal rate of its top quartile against its bottom quartile, with counts."""
    statement, params = _over_decided(filters, f""",
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
               {d.small_sample('least(r.bottom_n, r.top_n)')} as small_sample
        from rated as r
        inner join health_components as hc on hc.component = r.component
        order by hc.weight desc, r.component""", components=True)
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)})


# --- signals over history -----------------------------------------------------------------------
# Each branch: the (renewal, rule) pairs whose rule held on at least one day t of the window
# [due - N, due - 1], by the rule's own definition (queries/signals.py) evaluated on day t.
_USAGE_REACH_DAYS = d.RECENT_DAYS + d.USAGE_BASELINE_DAYS - 1  # the usage_drop baseline on day t starts this many days before t

# The usage and ticket rules read the dbt mart score_check_signal_facts: per renewal and look-back,
# the lowest usage shares and the most tickets in 7 days over the window's days, so that a rule
# held on some day of the window exactly when the window's extreme passes the rule's threshold.
# Each rule: whether it held on some day t of the window, over a decided renewal `dd` and its facts `f`.
_HOLDS = {
    # 5+ tickets opened in (t - 7, t] on some day t of the window
    "ticket_burst": f"f.most_tickets_7d >= {d.TICKET_BURST_FROM}",
    # a contact's latest answer by day t scored 0-6 and was given in (t - 180, t]: the latest
    # detractor answer that still stood on the window's first day or its own (the mart's) is recent
    # enough on that day
    "nps_detractor": f"dd.last_standing_detractor_before_due > dd.looked_on - {d.DETRACTOR_WITHIN_DAYS}",
    # a champion or tier-S contact left in (t - 90, t]: the latest departure before due (the mart's)
    # is after the window's first day's reach
    "champion_left": f"dd.last_champion_left_before_due > dd.looked_on - {d.CHAMPION_LEFT_WITHIN_DAYS}",
    # an acquisition, layoffs, a leadership change or a funding cut in (t - 90, t]: likewise
    "business_change": f"dd.last_business_change_before_due > dd.looked_on - {d.BUSINESS_CHANGE_WITHIN_DAYS}",
    # on some day t with usage: key events over (t - 7, t] below the share of the (t - 97, t - 7]
    # baseline; weekday active users over (t - 7, t] at or below the share of (t - 35, t - 7] (with
    # enough users before: the mart's days)
    "usage_drop": f"f.lowest_key_events_share < {d.USAGE_DROP_BELOW}",
    "sudden_drop": f"f.lowest_weekday_users_share <= {d.SUDDEN_DROP_TO}",
}
_NEEDS_USAGE = {"usage_drop", "sudden_drop"}
assert set(_HOLDS) == set(d.SCORE_CHECK_RULES)


def _per_rule(rule: str) -> str:
    """One rule's counts over the renewals grouped by which rules held (`combos`): the usage rules
    are judged on a renewal only when its window's usage baseline is in the data."""
    only_known = "where usage_known = 1" if rule in _NEEDS_USAGE else ""
    return f"""
        select '{rule}' as rule, cast(sum(renewals) as bigint) as evaluated, cast(sum(lost) as bigint) as churned,
               cast(sum(case when {rule} = 1 then renewals else 0 end) as bigint) as fired,
               cast(sum(case when {rule} = 1 then bad else 0 end) as bigint) as fired_bad,
               cast(sum(case when {rule} = 1 then lost else 0 end) as bigint) as churned_flagged
        from combos {only_known}"""


@cached
def signal_hits(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int) -> pl.DataFrame:
    """Per signal rule evaluated over history: renewals it could be judged on, on how many it held
    in the N days before due, the share of those that churned or contracted (precision), and the
    share of churned renewals it flagged (recall), with the counts behind each.

    One pass over the decided renewals marks which rules held on each; the renewals are then
    counted per combination of marks (at most 2^7 groups), and each rule reads its counts from
    those groups, so no per-(renewal, rule) row is ever made."""
    marks = ", ".join(f"case when {holds} then 1 else 0 end as {rule}" for rule, holds in _HOLDS.items())
    rules = ", ".join(_HOLDS)
    statement, params = _over_decided(filters, f""",
        judged as (
            select dd.bad, dd.lost,
                   case when dd.looked_on - {_USAGE_REACH_DAYS} >= (select min(day) from usage_daily)
                        then 1 else 0 end as usage_known,
                   {marks}
            from decided as dd
            left join score_check_signal_facts as f
                on f.renewal_id = dd.renewal_id and f.lead_days = :lead_days
               and f.due_date >= :start and f.due_date <= :end
        ),
        combos as (
            select usage_known, {rules}, count(*) as renewals, sum(bad) as bad, sum(lost) as lost
            from judged
            group by usage_known, {rules}
        ),
        per_rule as ({" union all ".join(_per_rule(rule) for rule in d.SCORE_CHECK_RULES)})
        select rule, coalesce(evaluated, 0) as evaluated, coalesce(fired, 0) as fired,
               coalesce(fired_bad, 0) as fired_bad,
               cast(fired_bad as double precision) / nullif(fired, 0) as precision,
               coalesce(churned, 0) as churned, coalesce(churned_flagged, 0) as churned_flagged,
               cast(coalesce(churned_flagged, 0) as double precision) / nullif(churned, 0) as recall,
               {d.small_sample('coalesce(fired, 0)')} as precision_small,
               {d.small_sample('coalesce(churned, 0)')} as recall_small
        from per_rule
        order by rule""")
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)})


@cached
def any_decided(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int) -> bool:
    """Whether the span holds a decided renewal at all: the page's empty state, which the What-if
    view asks without counting the span (850k renewals at 1M accounts) for figures it does not show."""
    statement, params = _over_decided(filters, """
        select renewal_id from decided limit 1""")
    return not fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)}).is_empty()


@cached
def base_rates(wh: Warehouse, filters: Filters, as_of: dt.date, quarters: int, lead_days: int) -> dict:
    """The span's decided renewals, how many churned or contracted, and how many had a score N days
    before due: what every rate on the page is compared with."""
    statement, params = _over_decided(filters, f"""
        select {d.DECIDED} as decided, sum(bad) as bad, {d.CHURNED} as churned,
               {d.LOGO_RENEWAL_RATE} as logo_renewal_rate, {d.GRR} as grr, count(health_day) as scored
        from decided""")
    return fetch(wh, statement, {**params, **_params(as_of, quarters, lead_days)}).row(0, named=True)


@cached
def components(wh: Warehouse) -> pl.DataFrame:
    """The health components with their warehouse weights: what the what-if starts from."""
    return fetch(wh, sa.text("select component, label, weight, description from health_components "
                             "order by weight desc, component"))
