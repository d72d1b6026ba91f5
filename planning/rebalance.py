"""Suggest account moves that bring CSMs of one segment closer to their targets.

A lead's rules: only accounts a rebalancing may touch (the query marks the others locked: renewal
window, onboarding, high-touch, tech-touch pool); moves stay within a segment; as few moves as
possible. The plan is greedy: each step takes the single move that lowers the total imbalance
most, and it stops when no move lowers it by at least `min_gain`. Every accepted move lowers the
imbalance, so the plan is never worse than the start. Nothing is written anywhere.

Imbalance of one CSM = |accounts / book target - 1| + |ARR / ARR target - 1|; the plan reports
the sum over CSMs before and after. A book's words (over, under, on target) are the Team table's:
definitions.load_of with labels.LOADS.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from queries.definitions import load_of
from queries.labels import LOADS


@dataclass
class CsmBook:
    csm_id: int
    name: str
    segment: str
    accounts: int
    arr: float
    book_target: int
    arr_target: float

    def imbalance(self, accounts: int | None = None, arr: float | None = None) -> float:
        a = self.accounts if accounts is None else accounts
        r = self.arr if arr is None else arr
        return abs(a / self.book_target - 1) + abs(r / self.arr_target - 1)

    @property
    def load(self) -> str:
        """over / under / on target, as the Team table says it (not the planner's own test below)."""
        return load_of(self.accounts / self.book_target, self.arr / self.arr_target)

    @property
    def over(self) -> bool:
        """Above either target at all: may give an account (a move still has to lower the imbalance)."""
        return self.accounts > self.book_target or self.arr > self.arr_target

    @property
    def under(self) -> bool:
        return self.accounts < self.book_target or self.arr < self.arr_target


@dataclass(frozen=True)
class Candidate:
    account_id: int
    name: str
    csm_id: int
    arr: float
    locked_because: str | None = None


@dataclass(frozen=True)
class Move:
    account_id: int
    account_name: str
    arr: float
    from_csm: str
    to_csm: str
    gain: float
    reason: str


@dataclass
class Plan:
    before: list[CsmBook]
    after: list[CsmBook]
    moves: list[Move] = field(default_factory=list)

    @property
    def imbalance_before(self) -> float:
        return sum(b.imbalance() for b in self.before)

    @property
    def imbalance_after(self) -> float:
        return sum(b.imbalance() for b in self.after)


def describe(book: CsmBook) -> str:
    """A book in the Team table's words: name, accounts and ARR against target, and its load."""
    return (f"{book.name} ({book.accounts}/{book.book_target} accounts, ${book.arr / 1e6:,.2f}M of "
            f"${book.arr_target / 1e6:,.1f}M: {LOADS[book.load].lower()})")


def plan(books: list[CsmBook], candidates: list[Candidate], *, min_gain: float = 0.01,
         max_moves: int = 500, receivers_considered: int = 5) -> Plan:
    """A move list for CSMs with a book target; candidates of other CSMs or locked ones never move."""
    before = [CsmBook(**vars(b)) for b in books]
    after = {b.csm_id: CsmBook(**vars(b)) for b in books}
    pool = {c.account_id: c for c in candidates if c.locked_because is None and c.csm_id in after}
    owner = {c.account_id: c.csm_id for c in pool.values()}
    moves: list[Move] = []
    while len(moves) < max_moves:
        best = None
        for segment in {b.segment for b in after.values()}:
            peers = [b for b in after.values() if b.segment == segment]
            receivers = sorted((b for b in peers if b.under), key=lambda b: -b.imbalance())[:receivers_considered]
            # each book's imbalance now, once per round: the same for every account it might give or take
            now = {b.csm_id: b.imbalance() for b in peers}
            for donor in (b for b in peers if b.over):
                for account_id in (a for a, o in owner.items() if o == donor.csm_id):
                    arr = pool[account_id].arr
                    for receiver in receivers:
                        if receiver.csm_id == donor.csm_id:
                            continue
                        gain = (now[donor.csm_id] + now[receiver.csm_id]
                                - donor.imbalance(donor.accounts - 1, donor.arr - arr)
                                - receiver.imbalance(receiver.accounts + 1, receiver.arr + arr))
                        if best is None or gain > best[0] + 1e-12:
                            best = (gain, account_id, donor, receiver)
        if best is None or best[0] < min_gain:
            break
        gain, account_id, donor, receiver = best
        account = pool[account_id]
        reason = f"From {describe(donor)} to {describe(receiver)}."
        moves.append(Move(account_id, account.name, account.arr, donor.name, receiver.name, gain, reason))
        donor.accounts, donor.arr = donor.accounts - 1, donor.arr - account.arr
        receiver.accounts, receiver.arr = receiver.accounts + 1, receiver.arr + account.arr
        owner[account_id] = receiver.csm_id
    return Plan(before=before, after=list(after.values()), moves=moves)
