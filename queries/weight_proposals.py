"""Health-weight proposals: what CS operations or leadership would change in the score's weights,
saved from the score check's what-if for the data team that owns the scoring.

A write like the others in queries/writeback.py: validated first (queries.validate), checked
against the writer's rights (queries.roles), attributed to the signed-in viewer, written once per
submitted form (its submission key), appended as a new version (a proposal is never updated in
place), bumping the data version in the same transaction. The warehouse's score does not change:
a proposal is a record, not a setting.
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from queries import roles, validate
from queries import writeback as wb
from queries.db import Warehouse, fetch, forget_cached_writes, reads_writeback
from queries.definitions import SCORE_CHECK_LEAD_DAYS, SCORE_CHECK_QUARTERS
from queries.validate import Rejected

NOTE_MAX = wb.NOTE_MAX
_LOCK_CLASS = 7403  # advisory-lock namespace: one proposal numbered at a time (PostgreSQL)


def _components(wh: Warehouse) -> list[str]:
    with wh.engine.connect() as conn:
        return list(conn.execute(sa.text("select component from health_components order by component")).scalars())


def save(wh: Warehouse, writer: wb.Writer, weights, note, lead_days, quarters,
         submission: str | None = None) -> int:
    """Save a proposal of weights (component -> share of 1, adding up to 1) with the note saying
    why and the score check it was judged on; returns its version number."""
    if not roles.may_propose_health_weights(writer):
        raise Rejected("Only CS operations and leadership can propose health-score weights.")
    note = validate.text(note, "The note", NOTE_MAX, required=True)
    lead_days = validate.choice(lead_days, SCORE_CHECK_LEAD_DAYS, "The days before due")
    quarters = validate.choice(quarters, SCORE_CHECK_QUARTERS, "The quarters looked at")
    weights = validate.health_weights(weights, _components(wh))
    s = wh.app_schema
    with wb._serialised(wh, [], writer, submission, "weight proposal") as conn:
        if wh.engine.dialect.name == "postgresql":
            conn.execute(sa.text("select pg_advisory_xact_lock(:k, 0)"), {"k": _LOCK_CLASS})
        version = conn.execute(sa.text(f"select coalesce(max(version), 0) + 1 from {s}.weight_proposals")).scalar_one()
        proposal_id = conn.execute(sa.text(f"""insert into {s}.weight_proposals
            (version, note, lead_days, quarters, proposed_by, proposed_at)
            values (:v, :n, :lead, :q, :by, :at) returning proposal_id"""),
            {"v": version, "n": note, "lead": lead_days, "q": quarters, "by": writer.email,
             "at": wb._now()}).scalar_one()
        conn.execute(sa.text(f"insert into {s}.weight_proposal_weights (proposal_id, component, weight) "
                             f"values (:p, :c, :w)"),
                     [{"p": proposal_id, "c": c, "w": w} for c, w in weights.items()])
    forget_cached_writes()
    return version


@reads_writeback
def history(wh: Warehouse) -> pl.DataFrame:
    """Every proposal, newest first, one row per proposal and component, with who proposed it."""
    s = wh.app_schema
    return fetch(wh, sa.text(f"""
        select p.version, p.proposed_at, coalesce(c.name, p.proposed_by) as proposed_by_name, p.proposed_by,
               p.note, p.lead_days, p.quarters, w.component, w.weight
        from {s}.weight_proposals as p
        inner join {s}.weight_proposal_weights as w on w.proposal_id = p.proposal_id
        left join csms as c on lower(c.email) = p.proposed_by
        order by p.version desc, w.component"""))
