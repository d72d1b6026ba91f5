"""The role rules (queries.roles) on every role against accounts inside and outside their reach."""
from dataclasses import dataclass

import polars as pl
import pytest

from queries import roles
from queries.scope import Filters


@dataclass(frozen=True)
class P:
    role: str
    team: str | None = None
    csm_id: int | None = None
    email: str = "someone@example.com"


CSM_A1 = P("csm", "A", 1, "a1@example.com")
LEAD_A = P("lead", "A", 10, "lead.a@example.com")
LEADER = P("leader", None, 20)
OPS = P("ops", None, 21)
STAFF = pl.DataFrame({"csm_id": [1, 2, 3, 10, 20, 21], "team": ["A", "A", "B", "A", None, None],
                      "role": ["csm", "csm", "csm", "lead", "leader", "ops"]})


@pytest.mark.parametrize("person, own, teammate, other_team", [
    (CSM_A1, True, False, False), (LEAD_A, True, True, False), (LEADER, True, True, True), (OPS, True, True, True),
])
def test_write_rights_follow_the_reach(person, own, teammate, other_team):
    assert roles.may_write(person, 1, "A") is own
    assert roles.may_write(person, 2, "A") is teammate
    assert roles.may_write(person, 3, "B") is other_team


def test_unknown_roles_and_half_known_people_reach_nothing():
    for person in (P("intern", "A", 1), P("csm", "A", None), P("lead", None, 10)):
        assert not roles.may_write(person, 1, "A")
        assert roles.openable_books(STAFF, person).is_empty()


def test_openable_books_and_narrowed_filters_agree_with_may_write():
    for person in (CSM_A1, LEAD_A, LEADER, OPS):
        books = set(roles.openable_books(STAFF, person)["csm_id"])
        assert books == {c for c, t, r in STAFF.iter_rows() if r == "csm" and roles.may_write(person, c, t)}
    assert roles.narrow_to_reach(Filters(teams=("B",)), CSM_A1).csm_ids == (1,)
    assert roles.narrow_to_reach(Filters(teams=("B",)), LEAD_A).teams == ("A",)
    assert roles.narrow_to_reach(Filters(teams=("B",)), OPS).teams == ("B",)


def test_flag_rules():
    assert not roles.may_reassign_flags(CSM_A1)
    assert all(roles.may_reassign_flags(p) for p in (LEAD_A, LEADER, OPS))
    # the owner resolves wherever the account sits; a lead only within reach; a CSM never for others
    assert roles.may_manage_flag(CSM_A1, CSM_A1.email, 3, "B")
    assert not roles.may_manage_flag(CSM_A1, "x@example.com", 1, "A")
    assert roles.may_manage_flag(LEAD_A, "x@example.com", 2, "A")
    assert not roles.may_manage_flag(LEAD_A, "x@example.com", 3, "B")
    assert roles.may_retire_reason_codes(OPS) and not roles.may_retire_reason_codes(LEADER)
