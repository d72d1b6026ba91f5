"""Synthetic onboarding surveys and business-change events for the generated book.

Onboarding surveys (seed 003: ask how onboarding went once the customer is live): one contact
answers 1-5 a few days after go-live. Accounts whose onboarding slipped mostly answer 2-4, but a
quarter of them were won back by the team and answer 5, which is what clears their slip signals.

Business changes (seed 000: an acquisition, layoffs, a new executive or a funding cut often come
before a churn): the CRM records them with a date and a note. They cluster before churns and at
accounts at risk today, and a few happen to healthy accounts.
"""
from __future__ import annotations

import numpy as np
import polars as pl

SURVEY_COMMENTS = {
    1: ["Onboarding dragged on for months.", "Nobody told us what came next."],
    2: ["Training came too late for our rollout.", "Too many hand-offs."],
    3: ["It got there in the end.", "Fine, some delays."],
    4: ["Good project, a few hiccups.", "The team knew the product well."],
    5: ["Excellent onboarding, the team turned a slow start around.", "Smooth and fast."],
}
EVENT_NOTES = {
    "acquired": ["Acquired by a competitor of ours.", "Bought by a larger group; procurement moves to the parent."],
    "layoffs": ["Announced layoffs of about 15% of staff.", "Cut the operations team in half."],
    "leadership_change": ["New COO started; reviewing every vendor.", "Our sponsor's manager was replaced."],
    "funding_cut": ["Funding round fell through.", "Budget frozen for the rest of the year."],
}


def generate_changes(rng: np.random.Generator, as_of: int, window_start: int, milestones: pl.DataFrame,
                     slipped: np.ndarray, is_active: np.ndarray, at_risk: np.ndarray, live_end: np.ndarray,
                     dates, email_of) -> dict[str, pl.DataFrame]:
    """`onboarding_surveys` and `business_events`; accounts are indexed 0..n-1 (id = index + 1). A
    survey is answered by the account's first contact (`email_of`: synth_engagement.contact_emails)."""
    n = len(is_active)
    go_live = milestones.filter(pl.col("milestone") == "go_live", pl.col("completed_date").is_not_null())
    g_acc = go_live["account_id"].to_numpy() - 1
    g_done = go_live["completed_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    answered_on = g_done + rng.integers(3, 22, len(g_acc))
    asked = (rng.random(len(g_acc)) < 0.7) & (answered_on <= as_of) & (answered_on <= live_end[g_acc])
    g_acc, answered_on = g_acc[asked], answered_on[asked]
    won_back = rng.random(len(g_acc)) < 0.25
    score = np.where(slipped[g_acc], np.where(won_back, 5, rng.integers(2, 5, len(g_acc))),
                     rng.choice([3, 4, 5], len(g_acc), p=[0.1, 0.4, 0.5]))
    pick = rng.integers(0, 2, len(g_acc))
    surveys = pl.DataFrame({
        "survey_id": np.arange(1, len(g_acc) + 1), "account_id": g_acc + 1,
        "contact_email": email_of(g_acc, np.zeros(len(g_acc), dtype=np.int64)),
        "answered_on": dates(answered_on), "score": score.astype(np.int64),
        "comment": [SURVEY_COMMENTS[int(s)][p] if c else None
                    for s, p, c in zip(score, pick, rng.random(len(g_acc)) < 0.6)],
    })

    # one event at most per account: recent at accounts at risk, before the end at lost ones
    lost = ~is_active
    chance = np.where(at_risk, 0.30, np.where(lost, 0.35, 0.06))
    e_acc = np.flatnonzero(rng.random(n) < chance)
    recent = as_of - rng.integers(0, 85, len(e_acc))
    anytime = window_start + (rng.random(len(e_acc)) * (as_of - window_start)).astype(np.int64)
    before_end = live_end[e_acc] - rng.integers(20, 200, len(e_acc))
    day = np.where(lost[e_acc], before_end, np.where(at_risk[e_acc], recent, anytime))
    keep = (day >= window_start) & (day <= as_of)
    e_acc, day = e_acc[keep], day[keep]
    kinds = rng.choice(list(EVENT_NOTES), len(e_acc), p=[0.2, 0.3, 0.35, 0.15])
    notes = [EVENT_NOTES[k][p] for k, p in zip(kinds, rng.integers(0, 2, len(e_acc)))]
    events = pl.DataFrame({
        "event_id": np.arange(1, len(e_acc) + 1), "account_id": e_acc + 1, "kind": kinds,
        "occurred_on": dates(day), "note": notes,
    })
    return {"onboarding_surveys": surveys, "business_events": events}
