"""Synthetic CS activity and stakeholders for the generated book (seeds 000, 002, 004).

Touches follow each segment's touch model: high-touch accounts see their CSM weekly, visits and a
business review each quarter; mid-market a call every few weeks and the 90-day business review;
SMB mostly calls and emails; tech-touch one-to-many emails and webinars. Some live accounts are
neglected (no conversation for weeks). Contacts come in the tiers of seed 002 (S: the decision
maker or sponsor, A: key users, B: the rest), one champion per account; champions leave more
often at accounts that are sliding or lost, as the seeds say they do.
"""
from __future__ import annotations

import numpy as np
import polars as pl

# touches per 30 days, and the mix of kinds (call, email, meeting, onsite_visit, business_review, training)
TOUCH_MODEL = {
    "high_touch": (7.0, [0.20, 0.25, 0.33, 0.08, 0.08, 0.06]),
    "mid_market": (2.6, [0.30, 0.35, 0.17, 0.03, 0.10, 0.05]),
    "smb": (1.4, [0.45, 0.40, 0.10, 0.00, 0.00, 0.05]),
    "tech_touch": (0.5, [0.05, 0.80, 0.00, 0.00, 0.00, 0.15]),
}
KINDS = ["call", "email", "meeting", "onsite_visit", "business_review", "training"]
OUTCOMES = {
    "call": ["Checked in on adoption.", "Walked through the new release.", "Discussed renewal timing.",
             "Escalated a support issue."],
    "email": ["Sent the monthly usage summary.", "Shared the webinar recording.", "Followed up on open tickets."],
    "meeting": ["Planned the next rollout phase.", "Reviewed open issues with the team.", "Met the new admin."],
    "onsite_visit": ["On-site: trained the floor managers.", "On-site: met the sponsor and key users."],
    "business_review": ["Business review: value delivered, goals for next quarter.",
                        "Business review: usage down, agreed an adoption plan."],
    "training": ["Admin training.", "New-user webinar.", "Advanced reporting training."],
}
CONTACTS_PER_ACCOUNT = {"high_touch": (6, 11), "mid_market": (3, 7), "smb": (2, 5), "tech_touch": (1, 3)}
TITLES = {"S": ["CEO", "COO", "VP Operations", "CFO", "Managing Director"],
          "A": ["Head of Operations", "IT Director", "Team Lead", "Operations Manager"],
          "B": ["Analyst", "Coordinator", "Specialist", "Administrator"]}
FIRST = ["Alex", "Bea", "Carl", "Dina", "Emil", "Fay", "Gus", "Hugo", "Iris", "Jon", "Kai", "Lia", "Max",
         "Nora", "Otto", "Pia", "Ravi", "Sara", "Tom", "Vera", "Will", "Yuki"]
LAST = ["Ahmed", "Baker", "Cruz", "Dubois", "Eriksen", "Ferreira", "Grant", "Horvat", "Iqbal", "Jones",
        "Kowalski", "Lopez", "Murphy", "Novak", "Olsen", "Park", "Quist", "Reyes", "Schmidt", "Torres"]


def generate_engagement(rng: np.random.Generator, as_of: int, segment: np.ndarray, csm_id: np.ndarray,
                        stints: np.ndarray, is_active: np.ndarray, at_risk: np.ndarray, history_days: int,
                        stamps, dates) -> dict[str, pl.DataFrame]:
    """cs_activities over the last `history_days` of each account's relationship, and contacts."""
    n = len(segment)
    rate = np.array([TOUCH_MODEL[s][0] for s in segment])
    lo = np.maximum(stints[:, 0], as_of - history_days)
    hi = np.minimum(stints[:, 1], as_of)
    span = np.maximum(hi - lo, 0)
    engaged = np.where(at_risk, 0.6, 1.0) * rng.uniform(0.6, 1.4, n)
    count = rng.poisson(rate * engaged * span / 30)
    acc = np.repeat(np.arange(n), count)
    day = lo[acc] + (rng.random(len(acc)) * np.maximum(span[acc], 1)).astype(np.int64)
    # neglect: some live accounts have had no conversation (only automated email) for 30-120 days
    neglected = is_active & (rng.random(n) < 0.05)
    gap = rng.integers(30, 120, n)
    kind = np.empty(len(acc), dtype=object)
    for seg, (_rate, mix) in TOUCH_MODEL.items():
        rows = np.flatnonzero(segment[acc] == seg)
        kind[rows] = rng.choice(KINDS, len(rows), p=mix)
    quiet = neglected[acc] & (day > as_of - gap[acc]) & (kind != "email")
    acc, day, kind = acc[~quiet], day[~quiet], kind[~quiet]
    order = np.lexsort((day, acc))
    acc, day, kind = acc[order], day[order], kind[order]
    outcome = [OUTCOMES[k][i % len(OUTCOMES[k])] for i, k in zip(rng.integers(0, 100, len(kind)), kind)]
    activities = pl.DataFrame({
        "activity_id": np.arange(1, len(acc) + 1), "account_id": acc + 1, "csm_id": csm_id[acc],
        "kind": kind.astype(str), "happened_at": stamps(day * 86400 + rng.integers(8 * 3600, 18 * 3600, len(acc))),
        "outcome": outcome,
    })

    low, high = np.array([CONTACTS_PER_ACCOUNT[s][0] for s in segment]), np.array([CONTACTS_PER_ACCOUNT[s][1] for s in segment])
    per = rng.integers(low, high)
    c_acc = np.repeat(np.arange(n), per)
    position = np.arange(len(c_acc)) - np.repeat(np.cumsum(per) - per, per)
    tier = np.where(position == 0, "S", np.where(position <= 2, "A", "B"))
    champion = (position == 1) | ((per[c_acc] == 1) & (position == 0))
    champion &= rng.random(len(c_acc)) < 0.9
    # who left: champions of sliding or lost accounts far more often, anyone else now and then
    sliding = (at_risk | ~is_active)[c_acc]
    leave_p = np.where((champion | (tier == "S")) & sliding, 0.35, 0.04)
    left = rng.random(len(c_acc)) < leave_p
    recent = (champion | (tier == "S")) & sliding & (rng.random(len(c_acc)) < 0.6)
    left_day = np.where(recent, hi[c_acc] - rng.integers(0, 100, len(c_acc)),
                        lo[c_acc] + (rng.random(len(c_acc)) * np.maximum(span[c_acc], 1)).astype(np.int64))
    first = rng.choice(FIRST, len(c_acc))
    last = rng.choice(LAST, len(c_acc))
    titles = np.array([TITLES[t][i % len(TITLES[t])] for t, i in zip(tier, rng.integers(0, 100, len(c_acc)))])
    contacts = pl.DataFrame({
        "contact_id": np.arange(1, len(c_acc) + 1), "account_id": c_acc + 1,
        "name": [f"{f} {s}" for f, s in zip(first, last)],
        "email": [f"{f.lower()}.{s.lower()}{i}@customer{a + 1}.example" for i, (f, s, a) in
                  enumerate(zip(first, last, c_acc))],
        "title": titles, "tier": tier, "is_champion": champion,
        "left_at": dates(np.where(left, left_day, 0)),
    }).with_columns(pl.when(pl.Series(left)).then(pl.col("left_at")).otherwise(None).alias("left_at"))
    return {"cs_activities": activities, "contacts": contacts}


def contact_emails(contacts: pl.DataFrame, n: int):
    """`email_of(accounts, k)`: the address of each account's k-th contact (accounts indexed 0..n-1;
    k past the account's last contact takes its last), so that surveys go to the account's people."""
    per = np.bincount(contacts["account_id"].to_numpy() - 1, minlength=n)
    first = np.cumsum(per) - per
    emails = contacts["email"].to_numpy()

    def email_of(accounts: np.ndarray, k: np.ndarray) -> list[str]:
        return emails[first[accounts] + np.minimum(k, per[accounts] - 1)].tolist() if len(accounts) else []
    return email_of
