"""Write-back history for the demo book: churn reasons that CSMs 'tagged' in the past.

Without it, the demo's churn-reason view would be all 'Untagged'. Older churns are mostly tagged,
recent ones mostly not (the backlog a lead sees). Tags are attributed to the account's CSM, a few
days after the churn, as the write-back forms would record them.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import sqlalchemy as sa

from queries.db import Warehouse, bump_data_version, engine_for
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


def seeder(app_schema: str = "cockpit", seed: int = 42):
    """What warehouse.build.build_warehouse calls on the freshly built warehouse at `url`: create
    the app's tables and tag the demo's churns (the engine is closed again: a DuckDB file is moved
    into place right after)."""
    def seed_app_tables(url: str) -> int:
        try:
            return seed_churn_tags(Warehouse(url, app_schema), seed, create_schema=True)
        finally:
            engine_for(url).dispose()
    return seed_app_tables
