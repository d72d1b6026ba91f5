"""Write-back history for the demo book: churn reasons that CSMs 'tagged' in the past, and the
renewal forecasts they recorded.

Without it, the demo's churn-reason view would be all 'Untagged'. Older churns are mostly tagged,
recent ones mostly not (the backlog a lead sees). Tags are attributed to the account's CSM, a few
days after the churn, as the write-back forms would record them. Forecasts: most renewals decided
in the last three quarters and most open ones carry one or two versions, their calls mostly right,
so the roll-up and the accuracy view show something. Both are deterministic for a seed.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import sqlalchemy as sa

from queries.db import Warehouse, bump_data_version
from queries.definitions import FUNNEL_HORIZON_DAYS
from queries.migrations import migrate

REASON_WEIGHTS = {  # by segment: what tends to end each kind of relationship
    "high_touch": {"champion_left": 3, "competitor": 3, "product_gap": 2, "closed_or_acquired": 1, "other": 1},
    "mid_market": {"competitor": 3, "product_gap": 3, "champion_left": 2, "budget_cut": 2, "poor_onboarding": 1,
                   "support_experience": 1, "other": 1},
    "smb": {"budget_cut": 4, "closed_or_acquired": 3, "wrong_fit": 2, "poor_onboarding": 2, "competitor": 1,
            "other": 1},
    "tech_touch": {"budget_cut": 3, "wrong_fit": 3, "closed_or_acquired": 3, "poor_onboarding": 2, "other": 1},
}


def seed_churn_tags(wh: Warehouse, seed: int = 42, create_schema: bool = False) -> int:
    """Tag most older churns of the demo book; return how many tags were written. `create_schema`
    when an admin's tool (the loader) seeds a warehouse whose app schema does not exist yet."""
    migrate(wh, create_schema=create_schema)
    rng = np.random.default_rng(seed)
    with wh.engine.begin() as conn:
        churns = conn.execute(sa.text("""
            select r.account_id, max(r.closed_date) as closed_date, a.segment, c.email, s.as_of
            from renewals as r
            inner join accounts as a on a.account_id = r.account_id
            inner join account_snapshot as s on s.account_id = r.account_id
            left join csms as c on c.csm_id = a.csm_id
            where r.outcome = 'churned'
            group by r.account_id, a.segment, c.email, s.as_of
            order by r.account_id""")).all()
        rows = []
        for account_id, closed, segment, email, as_of in churns:
            age = (as_of - closed).days
            if rng.random() > (0.85 if age > 120 else 0.35):
                continue
            weights = REASON_WEIGHTS[segment]
            codes = list(weights)
            p = np.array(list(weights.values()), dtype=float)
            primary = str(rng.choice(codes, p=p / p.sum()))
            extra = [c for c in codes if c != primary and rng.random() < 0.15]
            rows.append({"account_id": account_id, "version": 1, "primary_reason": primary,
                         "reasons": ",".join([primary, *extra]), "note": None,
                         "tagged_by": email or "cs-ops@wingtip.example",
                         "tagged_at": dt.datetime.combine(min(closed + dt.timedelta(days=int(rng.integers(1, 15))),
                                                              as_of), dt.time(10))})
        if rows:
            conn.execute(sa.text(f"""insert into {wh.app_schema}.churn_tags
                (account_id, version, primary_reason, reasons, note, tagged_by, tagged_at)
                values (:account_id, :version, :primary_reason, :reasons, :note, :tagged_by, :tagged_at)"""), rows)
            bump_data_version(conn, wh.app_schema)
    return len(rows)


FORECAST_HISTORY_DAYS = 270  # forecasts on renewals due this far back (the feature's first quarters)
_CALLS = {  # how a CSM tends to call a renewal, early and late, by what happened (decided) or the CRM's call (open)
    "early": {"renewed": {"commit": 5, "likely": 4, "at_risk": 1},
              "churned": {"likely": 3, "at_risk": 5, "will_churn": 2}},
    "late": {"renewed": {"commit": 7, "likely": 3}, "churned": {"likely": 1, "at_risk": 4, "will_churn": 5}},
    "open": {"commit": {"commit": 7, "likely": 3}, "likely": {"commit": 2, "likely": 6, "at_risk": 2},
             "at_risk": {"likely": 2, "at_risk": 6, "will_churn": 2}},
}
_EXPECTED_SHARE = {"commit": 1.0, "likely": 0.95, "at_risk": 0.5, "will_churn": 0.0}  # of the ARR up
_NOTES = ["Budget confirmed for next year.", "New sponsor, not engaged yet.", "Asked for a discount to renew.",
          "Evaluating a competitor.", "Expansion to a second team discussed.", "Procurement review under way."]


def _pick(rng, weights: dict[str, int]) -> str:
    p = np.array(list(weights.values()), dtype=float)
    return str(rng.choice(list(weights), p=p / p.sum()))


def seed_forecasts(wh: Warehouse, seed: int = 42, create_schema: bool = False) -> int:
    """Record CSM forecasts on the demo's recent and open renewals; return how many versions."""
    migrate(wh, create_schema=create_schema)
    rng = np.random.default_rng(seed + 1)
    with wh.engine.begin() as conn:
        due = conn.execute(sa.text(f"""
            select r.renewal_id, r.account_id, r.due_date, r.forecast, r.arr_up, r.outcome, r.closed_date,
                   c.email, s.as_of
            from renewals as r
            inner join accounts as a on a.account_id = r.account_id
            inner join account_snapshot as s on s.account_id = r.account_id
            left join csms as c on c.csm_id = a.csm_id
            where r.due_date >= s.as_of - {FORECAST_HISTORY_DAYS}
              and (r.outcome is not null or r.due_date <= s.as_of + {FUNNEL_HORIZON_DAYS})
            order by r.renewal_id""")).all()
        rows = []
        for renewal_id, account_id, due_date, crm, arr_up, outcome, closed, email, as_of in due:
            if rng.random() > (0.8 if outcome else 0.6):
                continue
            last = min(as_of, closed) if closed else as_of
            first = due_date - dt.timedelta(days=180)  # the renewal row exists from about then
            if outcome:
                plan = [(due_date - dt.timedelta(weeks=int(rng.integers(9, 17))), _CALLS["early"][outcome])]
                if rng.random() < 0.6:
                    plan.append((due_date - dt.timedelta(days=int(rng.integers(5, 43))), _CALLS["late"][outcome]))
            else:
                plan = [(as_of - dt.timedelta(days=int(rng.integers(0, 36))), _CALLS["open"][crm])]
            version = 0
            for day, weights in plan:
                if not first <= day <= last:
                    continue
                category = _pick(rng, weights)
                version += 1
                rows.append({"renewal_id": renewal_id, "account_id": account_id, "version": version,
                             "category": category, "expected_arr": round(arr_up * _EXPECTED_SHARE[category], -2),
                             "note": str(rng.choice(_NOTES)) if rng.random() < 0.3 else None,
                             "by_user": email or "cs-ops@wingtip.example",
                             "recorded_at": dt.datetime.combine(day, dt.time(9 + version))})
        if rows:
            conn.execute(sa.text(f"""insert into {wh.app_schema}.renewal_forecasts
                (renewal_id, account_id, version, category, expected_arr, note, by_user, recorded_at)
                values (:renewal_id, :account_id, :version, :category, :expected_arr, :note, :by_user,
                        :recorded_at)"""), rows)
            bump_data_version(conn, wh.app_schema)
    return len(rows)


def seed_demo_writeback(wh: Warehouse, seed: int = 42, create_schema: bool = False) -> int:
    """Everything the demo's write-back history holds: churn tags and renewal forecasts."""
    return seed_churn_tags(wh, seed, create_schema) + seed_forecasts(wh, seed, create_schema)
