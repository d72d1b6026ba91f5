"""Who may do what: the one home of the role rules.

Every person in `csms` has a role. Their *reach* is the set of accounts they act for:
leadership and CS operations reach every account, a team lead their team's, a CSM their own
book. Reading is open to the whole CS team; writing, opening a CSM's book and the flag actions
all follow the reach. Identity, the pages, the forms and the write module ask this module and
never test a role themselves.

Functions take any object with `role`, `team` and `csm_id` (the signed-in Viewer, the write
module's Writer), so the rules have no Streamlit in them and are tested directly.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from queries import labels

LABELS = labels.ROLES


@dataclass(frozen=True)
class Reach:
    """The accounts a person acts for: all of them, one team's, or one CSM's book."""
    everything: bool = False
    team: str | None = None
    csm_id: int | None = None

    def covers(self, csm_id, team) -> bool:
        """Whether an account (by its CSM and that CSM's team) is inside this reach."""
        if self.everything:
            return True
        if self.team is not None:
            return team == self.team
        return self.csm_id is not None and csm_id == self.csm_id


NOBODY = Reach()


def reach(person) -> Reach:
    if person.role in ("leader", "ops"):
        return Reach(everything=True)
    if person.role == "lead" and person.team:
        return Reach(team=person.team)
    if person.role == "csm" and person.csm_id is not None:
        return Reach(csm_id=person.csm_id)
    return NOBODY


def sees_everything(person) -> bool:
    """Leadership and operations: whole-company defaults (no team filter to start with)."""
    return reach(person).everything


def may_write(person, account_csm_id, account_team) -> bool:
    """Write on an account (tags, flags): the account lies inside the person's reach."""
    return reach(person).covers(account_csm_id, account_team)


def may_reassign_flags(person) -> bool:
    """Giving a follow-up to someone else is a lead's call (or leadership's, operations')."""
    return person.role in ("lead", "leader", "ops")


def may_manage_flag(person, flag_owner: str | None, account_csm_id, account_team) -> bool:
    """Resolve a flag or move its due date: its owner (wherever the account sits), or a lead (or
    above) with the account in reach."""
    if flag_owner is not None and flag_owner == person.email:
        return True
    return may_reassign_flags(person) and may_write(person, account_csm_id, account_team)


def inbox_views(person) -> list[str]:
    """The Follow-ups views (queries.flags.VIEWS) a person may open: everyone their own and what they
    raised; a lead their team's; leadership and operations all."""
    r = reach(person)
    return ["mine", "raised"] + (["all"] if r.everything else ["team"] if r.team is not None else [])


def may_retire_reason_codes(person) -> bool:
    """The churn-reason taxonomy belongs to CS operations."""
    return person.role == "ops"


def may_propose_health_weights(person) -> bool:
    """The score's weights belong to the data team; CS operations and leadership propose changes."""
    return person.role in ("ops", "leader")


def people_labels(staff: pl.DataFrame) -> dict[str, str]:
    """email -> "Name · Role" (and " · Team" for leads and CSMs): who is who in every person picker."""
    return {e: f"{n} · {LABELS.get(r, r)}" + (f" · {t}" if r in ("lead", "csm") else "")
            for e, n, r, t in zip(staff["email"], staff["name"], staff["role"], staff["team"])}


def openable_books(staff: pl.DataFrame, person) -> pl.DataFrame:
    """The CSMs whose book the person may open on My accounts."""
    r = reach(person)
    csms = staff.filter(pl.col("role") == "csm")
    return csms.filter(pl.Series([r.covers(c, t) for c, t in zip(csms["csm_id"], csms["team"])], dtype=pl.Boolean))


def narrow_to_reach(filters, person):
    """The shared filters narrowed to the accounts the person may write on."""
    r = reach(person)
    if r.everything:
        return filters
    if r.team is not None:
        return replace(filters, teams=(r.team,))
    return replace(filters, csm_ids=(r.csm_id,) if r.csm_id is not None else (-1,))
