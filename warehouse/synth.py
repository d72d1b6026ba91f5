"""A deterministic synthetic customer book shaped like domain.md's reference company.

`--accounts N` is the size of today's book (customers with a live contract); the accounts lost
over the three years of history come on top, as in a real warehouse. Every account follows one
latent "health" path in [0, 1]; usage, health scores, NPS answers, tickets and renewal outcomes
all derive from it, so they correlate the way a real book does: usage sags weeks before a churn,
detractors cluster on unhealthy accounts, ticket bursts precede losses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import polars as pl

from warehouse.schema import HEALTH_COMPONENTS, MILESTONES
from warehouse.synth_changes import generate_changes
from warehouse.synth_engagement import contact_emails, generate_engagement

EPOCH = dt.date(1970, 1, 1)

# Reference company (domain.md): share of today's book and ARR profile per segment.
SEGMENTS = {
    #              share     median ARR  sigma  floor    cap      annual logo churn
    "high_touch": (25 / 1600, 260_000, 0.40, 120_000, 900_000, 0.03),
    "mid_market": (550 / 1600, 38_000, 0.45, 15_000, 140_000, 0.065),
    "smb": (600 / 1600, 13_000, 0.40, 5_000, 40_000, 0.14),
    "tech_touch": (425 / 1600, 5_500, 0.40, 1_500, 15_000, 0.16),
}
# Share of today's book per segment: the reference company's, or a tech-touch-heavy one (hundreds of
# thousands of small self-serve accounts, served one-to-many).
SEGMENT_MIXES = {
    "reference": {s: v[0] for s, v in SEGMENTS.items()},
    "tech_touch": {"high_touch": 0.005, "mid_market": 0.08, "smb": 0.215, "tech_touch": 0.70},
}
# CSMs per 1,600 accounts in the reference team of 21: 2 + 11 + 4 + 1 CSMs, 2 leads, 1 ops.
CSMS_PER_REFERENCE = {"high_touch": 2, "mid_market": 11, "smb": 4, "tech_touch": 1}
SEAT_PRICE = {"legacy": 700.0, "starter": 350.0, "professional": 600.0, "enterprise": 950.0}
INDUSTRIES = ["Software", "Retail", "Manufacturing", "Healthcare", "Financial services",
              "Logistics", "Education", "Media", "Professional services", "Hospitality"]
NAME_A = ["Nord", "Blue", "Iron", "Silver", "Bright", "Red", "Green", "North", "Oak", "Stone",
          "Clear", "Swift", "Prime", "Cedar", "Harbor", "Summit", "Pine", "Maple", "Falcon", "Atlas"]
NAME_B = ["wave", "field", "gate", "point", "bridge", "line", "path", "works", "forge", "peak",
          "light", "stream", "haven", "crest", "ridge", "port", "mark", "leaf", "rock", "spring"]
NAME_C = ["Logistics", "Labs", "Health", "Retail", "Systems", "Partners", "Foods", "Media",
          "Capital", "Group", "Studios", "Energy", "Clinics", "Learning", "Travel", "Analytics"]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gabe", "Hana", "Ivan", "Jade", "Kofi",
         "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Wei",
         "Yara", "Zoe", "Liam", "Mei", "Noah", "Ines", "Raj", "Sofia"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
        "Jensen", "Khan", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Silva",
        "Tanaka", "Usman", "Varga", "Weber", "Xu", "Young", "Zhang"]
COMMENTS = {
    "detractor": ["The reporting module is missing what we need.", "Too many bugs since the last release.",
                  "Support takes days to answer.", "We barely use it; hard to roll out to the team.",
                  "Price went up but value did not.", "Our champion left and nobody knows the tool."],
    "passive": ["Does the job, the UI could be faster.", "Fine overall, onboarding was slow.",
                "Good product, a few integrations missing.", "OK, we use a fraction of it."],
    "promoter": ["Our team lives in it every day.", "Great CSM, quick answers.",
                 "Saved us hours every week.", "The automation features are excellent."],
}


@dataclass(frozen=True)
class Shape:
    """Size and time frame of a generated book."""
    accounts: int = 1600
    seed: int = 42
    as_of: dt.date = field(default_factory=dt.date.today)
    years: int = 3
    usage_days: int = 365
    health_weeks: int = 156
    mix: str = "reference"  # a key of SEGMENT_MIXES


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _add_months(day: int, months: int) -> int:
    d = EPOCH + dt.timedelta(days=int(day))
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return _day(dt.date(y, m, min(d.day, 28)))


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype("int32")).cast(pl.Date)


def _stamps(seconds: np.ndarray) -> pl.Series:
    return pl.Series((seconds.astype("int64") * 1_000_000)).cast(pl.Datetime("us"))


def build_team(rng: np.random.Generator, n_accounts: int, mix: str = "reference"
               ) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """CSMs in four segments under team leads, a head of CS and CS operations."""
    scale = n_accounts / 1600
    # each segment's CSMs follow its accounts: as many per account as in the reference team
    shares, reference = SEGMENT_MIXES[mix], SEGMENT_MIXES["reference"]
    per_segment = {s: max(1, round(k * scale * (shares[s] / reference[s] if mix != "reference" else 1)))
                   for s, k in CSMS_PER_REFERENCE.items()}
    n_teams = max(1, round(2 * scale))
    rows, by_segment = [], {s: [] for s in per_segment}
    names = rng.permutation(len(FIRST) * len(LAST))

    def add(role, team, segment, manager):
        i = len(rows) + 1
        k = names[(i - 1) % len(names)]
        first, last = FIRST[k % len(FIRST)], LAST[k // len(FIRST)]
        suffix = "" if i <= len(names) else str(i)
        email = f"{first}.{last}{suffix}@wingtip.example".lower()
        rows.append((i, f"{first} {last}", email, team, role, segment, manager))
        return i

    head = add("leader", "Leadership", None, None)
    add("ops", "CS Operations", None, head)
    team_names = ["Strategic", "Scale"] if n_teams == 2 else [f"Team {t + 1}" for t in range(n_teams)]
    leads = [add("lead", name, None, head) for name in team_names]
    # Strategic-type teams (even index) take high-touch and part of mid-market; the others the rest.
    for segment, count in per_segment.items():
        for j in range(count):
            t = j % n_teams
            if segment == "high_touch":
                t = (2 * j) % n_teams
            elif segment in ("smb", "tech_touch"):
                t = (2 * j + 1) % n_teams if n_teams > 1 else 0
            by_segment[segment].append(add("csm", team_names[t], segment, leads[t]))
    frame = pl.DataFrame(rows, schema=["csm_id", "name", "email", "team", "role", "segment", "manager_id"],
                         infer_schema_length=None,
                         orient="row")
    return frame, by_segment


def generate(shape: Shape) -> dict[str, pl.DataFrame]:
    """Every contract table (not the marts, which dbt builds) as one polars DataFrame each."""
    chunks: dict[str, list[pl.DataFrame]] = {}
    for table, frame in generate_stream(shape):
        chunks.setdefault(table, []).append(frame)
    return {table: pl.concat(frames) for table, frames in chunks.items()}


def generate_stream(shape: Shape) -> Iterator[tuple[str, pl.DataFrame]]:
    """Every contract table as (table, chunk) pairs, the large daily and weekly tables in chunks of
    accounts as they are made, so a loader that writes each chunk and drops it holds one chunk of
    them at a time at any book size. The random draws happen in the same order as when the tables
    were made whole, so a seed gives the same book either way."""
    rng = np.random.default_rng(shape.seed)
    as_of = _day(shape.as_of)
    window_start = as_of - 365 * shape.years
    csms, csm_pool = build_team(rng, shape.accounts, shape.mix)

    # --- accounts: today's book by segment quota, plus the ones lost during the window ---
    seg_names = list(SEGMENTS)
    active_counts = {s: max(1, round(SEGMENT_MIXES[shape.mix][s] * shape.accounts)) for s in seg_names}
    churned_counts = {s: round(active_counts[s] * SEGMENTS[s][5] * shape.years) for s in seg_names}
    segment = np.concatenate([[s] * active_counts[s] for s in seg_names] + [[s] * churned_counts[s] for s in seg_names])
    n = len(segment)
    n_active = sum(active_counts.values())
    is_active = np.arange(n) < n_active
    perm = rng.permutation(n)  # interleave so ids do not reveal segment or fate
    segment, is_active = segment[perm], is_active[perm]

    median = np.array([SEGMENTS[s][1] for s in segment])
    sigma = np.array([SEGMENTS[s][2] for s in segment])
    arr_now = np.clip(median * np.exp(rng.normal(0, 1, n) * sigma),
                      [SEGMENTS[s][3] for s in segment], [SEGMENTS[s][4] for s in segment])
    plan = np.where(segment == "high_touch", "enterprise",
                    np.where(segment == "mid_market", rng.choice(["professional", "enterprise"], n, p=[.7, .3]),
                             rng.choice(["starter", "professional"], n, p=[.6, .4])))
    small = np.isin(segment, ["smb", "tech_touch"])
    legacy = small & (rng.random(n) < 200 / 1025)  # "200 customers still on a discontinued $10k product"
    plan = np.where(legacy, "legacy", plan)
    arr_now = np.where(legacy, 10_000.0, np.round(arr_now, -2))
    employees = np.round(np.clip(arr_now / 90 * np.exp(rng.normal(0, 0.5, n)), 5, 60_000)).astype(int)

    # latent health: base level, and a decline before a churn (or now, for at-risk accounts)
    base = np.where(is_active, rng.beta(5, 2.2, n), rng.beta(2.6, 3, n))
    at_risk = is_active & (rng.random(n) < 0.10)
    sudden = at_risk & (rng.random(n) < 0.45)  # a sharp drop in the last weeks, not a slow sag
    hot = is_active & ~at_risk & (rng.random(n) < 0.10)  # near their seat limit
    util_target = np.where(hot, rng.uniform(0.84, 1.0, n), np.clip(0.08 + 0.62 * base + rng.normal(0, .07, n), .03, .8))
    slipped = rng.random(n) < 0.18  # onboarding that slips

    # --- terms and renewals, one account at a time (term counts vary) ---
    contracts, renewals, stints = [], [], np.zeros((n, 2), dtype=np.int64)
    decline_end = np.full(n, as_of, dtype=np.int64)
    churn_day = np.full(n, -1, dtype=np.int64)
    for a in range(n):
        seg = segment[a]
        multi = 0.25 if seg == "high_touch" else 0.12 if seg == "mid_market" else 0.0
        lengths = lambda k: rng.choice([12, 24, 36], k, p=[1 - multi, multi * .7, multi * .3])  # noqa: E731
        growth = 1.0 if legacy[a] else float(np.clip(rng.normal(1.10, 0.12), 0.85, 1.6))
        if is_active[a]:
            since = as_of - int(365 * 6 * rng.random() ** 1.4) - 1
            winback = since > window_start + 200 and rng.random() < 0.04
            terms, start = [], since
            while True:
                k = int(lengths(1)[0])
                end = _add_months(start, k) - 1
                terms.append((start, end, k))
                if end >= as_of:
                    break
                start = end + 1
            ending = None
        else:
            end_last = window_start + int(rng.random() * (as_of - 10 - window_start))
            k_terms = 1 + min(int(rng.geometric(0.45)) - 1, 4)
            ks = lengths(k_terms)
            start = end_last + 1
            for k in ks:
                start = _add_months(start, -int(k))
            since, terms, winback = start, [], False
            for k in ks:
                end = _add_months(start, int(k)) - 1
                terms.append((start, end, int(k)))
                start = end + 1
            ending = terms[-1][1]
            churn_day[a] = ending
            decline_end[a] = ending
        # ARR walks up to today's value: start lower and grow at each renewal
        arr = arr_now[a] / growth ** (len(terms) - 1)
        if winback:
            gap = int(rng.integers(60, 300))
            prior_end = since - gap - 1
            prior_start = _add_months(prior_end + 1, -12)
            contracts.append([a, "new", prior_start, prior_end, round(arr * 0.8, -2), "churned"])
            renewals.append([a, len(contracts) - 1, prior_end, "closed", "at_risk", round(arr * 0.8, -2), 0.0,
                             "churned", prior_end - int(rng.integers(0, 20))])
        for i, (s, e, _k) in enumerate(terms):
            term_type = ("winback" if winback else "new") if i == 0 else "renewal"
            last = i == len(terms) - 1
            this_arr = round(arr, -2)
            if e < window_start:  # before the history window: evolve ARR but keep no row
                arr *= growth * rng.uniform(0.97, 1.03)
                continue
            if not last:
                nxt = arr * growth * rng.uniform(0.95, 1.05)
                if rng.random() < 0.10 and not legacy[a]:
                    nxt = arr * rng.uniform(0.70, 0.95)  # contraction
                contracts.append([a, term_type, s, e, this_arr, "renewed"])
                renewals.append([a, len(contracts) - 1, e, "closed", "commit", this_arr, round(nxt, -2),
                                 "renewed", e - int(rng.integers(-15, 45))])
                arr = nxt
            elif ending is not None:  # the churned account's final term
                contracts.append([a, term_type, s, e, this_arr, "churned"])
                renewals.append([a, len(contracts) - 1, e, "closed", rng.choice(["at_risk", "likely"], p=[.7, .3]),
                                 this_arr, 0.0, "churned", e - int(rng.integers(-10, 40))])
            else:  # today's live term; its renewal is open when due within 180 days
                contracts.append([a, term_type, s, e, this_arr, "active"])
                days_to_due = e - as_of
                if days_to_due <= 180:
                    stage = ("not_started" if days_to_due > 90 else "outreach" if days_to_due > 60
                             else "proposal" if days_to_due > 30 else "negotiation")
                    health_now = base[a] * (0.4 if at_risk[a] else 1.0)
                    forecast = "commit" if health_now > 0.62 else "likely" if health_now > 0.4 else "at_risk"
                    renewals.append([a, len(contracts) - 1, e, stage, forecast, this_arr, None, None, None])
        # an overdue open renewal: a term that ended in the last 45 days is still being negotiated
        if is_active[a] and len(terms) > 1 and rng.random() < 0.12:
            ended = renewals[-1] if renewals and renewals[-1][0] == a and renewals[-1][7] == "renewed" else None
            if ended is not None and as_of - 45 < ended[2] < as_of:
                ended[3:9] = ["negotiation", "likely", ended[5], None, None, None]
                contracts[ended[1]][5] = "active"
                contracts.pop()  # the renewal term does not exist yet
        stints[a] = (since, churn_day[a] if churn_day[a] >= 0 else as_of)

    # decline paths: churners sag over 5-14 weeks before the end; at-risk accounts are sagging now
    decline_len = np.where(sudden, rng.uniform(4, 12, n), rng.uniform(35, 100, n))
    decline_depth = np.where(is_active & ~at_risk, 0.0,
                             np.where(sudden, rng.uniform(0.8, 0.97, n), rng.uniform(0.5, 0.9, n)))
    decline_end = np.where(sudden, as_of - rng.uniform(0, 14, n),
                           np.where(at_risk, as_of + rng.uniform(0, 40, n), decline_end)).astype(np.int64)
    ramp_days = np.where(slipped, rng.uniform(60, 110, n), rng.uniform(20, 40, n))

    def latent(days: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Relative activity of accounts idx on days (2-D, accounts x days), before noise."""
        start = (decline_end[idx] - decline_len[idx])[:, None]
        progress = np.clip((days - start) / decline_len[idx][:, None], 0, 1)
        sag = 1 - decline_depth[idx][:, None] * progress
        ramp = np.clip(0.25 + 0.75 * (days - stints[idx, 0][:, None]) / ramp_days[idx][:, None], 0.25, 1)
        return sag * ramp

    # --- account table and CSM assignment (uneven loads: some CSMs over, some under target) ---
    csm_id = np.zeros(n, dtype=np.int64)
    for seg in seg_names:
        pool = csm_pool[seg]
        members = np.flatnonzero(segment == seg)
        load = rng.uniform(0.7, 1.35, len(pool))
        csm_id[members] = rng.choice(pool, len(members), p=load / load.sum())
    names = [f"{NAME_A[i % 20]}{NAME_B[(i // 20) % 20]} {NAME_C[(i // 400) % 16]}" for i in rng.permutation(n)]
    names = [nm if i < 6400 else f"{nm} {i // 6400 + 1}" for i, nm in enumerate(names)]
    created = stints[:, 0] - rng.integers(5, 40, n)
    for c in contracts:  # an account is created before its first recorded contract
        created[c[0]] = min(created[c[0]], c[2] - 5)
    accounts = pl.DataFrame({
        "account_id": np.arange(1, n + 1), "name": names,
        "industry": rng.choice(INDUSTRIES, n), "employees": employees, "segment": segment, "plan": plan,
        "csm_id": csm_id, "created_at": _stamps(created * 86400 + rng.integers(8, 18, n) * 3600),
    })

    ct = pl.DataFrame(contracts, schema=["a", "term_type", "start", "end", "arr", "status"], orient="row")
    seat_price = np.array([SEAT_PRICE[p] for p in plan])
    a_idx = ct["a"].to_numpy()
    contracts_df = pl.DataFrame({
        "contract_id": np.arange(1, len(ct) + 1), "account_id": a_idx + 1, "term_type": ct["term_type"],
        "start_date": _dates(ct["start"].to_numpy()), "end_date": _dates(ct["end"].to_numpy()),
        "arr": ct["arr"].cast(pl.Float64),
        "seats": np.maximum(3, np.round(ct["arr"].to_numpy() / seat_price[a_idx])).astype(int),
        "status": ct["status"],
    })
    rn = pl.DataFrame(renewals, schema=["a", "c", "due", "stage", "forecast", "arr_up", "arr_renewed", "outcome",
                                        "closed"], orient="row", strict=False)
    renewals_df = pl.DataFrame({
        "renewal_id": np.arange(1, len(rn) + 1), "account_id": rn["a"] + 1, "contract_id": rn["c"] + 1,
        "due_date": _dates(rn["due"].to_numpy()), "stage": rn["stage"], "forecast": rn["forecast"],
        "arr_up": rn["arr_up"].cast(pl.Float64), "arr_renewed": rn["arr_renewed"].cast(pl.Float64),
        "outcome": rn["outcome"],
        "closed_date": rn["closed"].cast(pl.Int32).cast(pl.Date),
    }).with_columns(pl.when(pl.col("closed_date") > shape.as_of).then(pl.lit(shape.as_of))
                    .otherwise(pl.col("closed_date")).alias("closed_date"))

    # seats per account: the latest term's
    latest_seats = np.full(n, 3)
    latest_seats[a_idx] = contracts_df["seats"].to_numpy()
    live_end = np.where(churn_day >= 0, churn_day, as_of)

    yield from (("csms", csms), ("accounts", accounts), ("contracts", contracts_df), ("renewals", renewals_df))
    # a generator keeps its locals alive: drop each large one once written (a 1M book stays small)
    del contracts, renewals, ct, rn, renewals_df, accounts, names

    # --- usage_daily over the last usage_days, in chunks of accounts ---
    days = np.arange(as_of - shape.usage_days + 1, as_of + 1)
    weekday = np.where(((days + 3) % 7) < 5, 1.0, 0.18)  # 1970-01-01 was a Thursday
    for lo in range(0, n, 20_000):
        idx = np.arange(lo, min(n, lo + 20_000))
        live = (days[None, :] >= stints[idx, 0][:, None]) & (days[None, :] <= live_end[idx][:, None])
        rel = latent(days[None, :], idx) * weekday[None, :]
        util = util_target[idx][:, None] * rel * np.exp(rng.normal(0, 0.12, rel.shape))
        seats = latest_seats[idx][:, None]
        users = np.minimum(np.round(util * seats), seats)
        rows, cols = np.nonzero(live)
        u = users[rows, cols].astype(np.int64)
        yield "usage_daily", pl.DataFrame({
            "account_id": idx[rows] + 1, "day": _dates(days[cols]), "active_users": u,
            "licensed_seats": latest_seats[idx][rows],
            "page_views": np.round(u * rng.gamma(6, 2.2, len(u))).astype(np.int64),
            "key_events": np.round(u * rng.gamma(4, 1.0, len(u))).astype(np.int64),
        })

    # --- support tickets across the window: a steady trickle plus bursts before trouble ---
    span_lo = np.maximum(stints[:, 0], window_start)
    span = np.maximum(live_end - span_lo, 0)
    seg_rate = np.select([segment == "high_touch", segment == "mid_market", segment == "smb"], [1.2, 0.45, 0.18], 0.08)
    counts = rng.poisson(seg_rate * (0.6 + 1.2 * (1 - base)) * span / 7)
    t_acc = np.repeat(np.arange(n), counts)
    t_day = span_lo[t_acc] + (rng.random(len(t_acc)) * span[t_acc]).astype(np.int64)
    burst = (~is_active & (rng.random(n) < 0.6)) | (at_risk & (rng.random(n) < 0.5)) | (rng.random(n) < 0.02)
    b_acc = np.flatnonzero(burst)
    b_day = np.where(is_active[b_acc], as_of - rng.integers(0, 20, len(b_acc)),
                     live_end[b_acc] - rng.integers(20, 80, len(b_acc)))
    b_day = np.where(~at_risk[b_acc] & is_active[b_acc], span_lo[b_acc] + (rng.random(len(b_acc)) * span[b_acc]).astype(np.int64), b_day)
    b_n = rng.integers(5, 9, len(b_acc))
    t_acc = np.concatenate([t_acc, np.repeat(b_acc, b_n)])
    t_day = np.concatenate([t_day, np.repeat(b_day, b_n) - rng.integers(0, 6, b_n.sum())])
    keep = (t_day >= span_lo[t_acc]) & (t_day <= np.minimum(live_end[t_acc], as_of))
    t_acc, t_day = t_acc[keep], t_day[keep]
    opened = t_day * 86400 + rng.integers(7 * 3600, 19 * 3600, len(t_acc))
    closed = opened + (rng.exponential(2.5, len(t_acc)) * 86400).astype(np.int64)
    now_s = (as_of + 1) * 86400
    order = np.lexsort((opened, t_acc))
    t_acc, opened, closed = t_acc[order], opened[order], closed[order]
    tickets = pl.DataFrame({
        "ticket_id": np.arange(1, len(t_acc) + 1), "account_id": t_acc + 1,
        "opened_at": _stamps(opened), "closed_at": _stamps(closed), "still_open": closed >= now_s,
        "priority": rng.choice(["low", "normal", "high", "urgent"], len(t_acc), p=[.35, .45, .15, .05]),
    }).with_columns(pl.when("still_open").then(None).otherwise(pl.col("closed_at")).alias("closed_at")).drop("still_open")
    yield "support_tickets", tickets
    t_key = t_acc.astype(np.int64) * 1_000_000 + (opened // 86400)  # the health snapshots' ticket counts
    del tickets, t_acc, t_day, opened, closed, order, keep, b_acc, b_day, b_n, span_lo, span

    # contacts and CS activities: a stream of their own (seed + 1), so adding these tables left every
    # earlier table as it was; drawn before the surveys, which go to the account's own contacts
    engagement = generate_engagement(np.random.default_rng(shape.seed + 1), as_of, segment, csm_id, stints,
                                     is_active, at_risk, shape.usage_days, _stamps, _dates)
    email_of = contact_emails(engagement["contacts"], n)
    yield from engagement.items()
    del engagement

    # --- NPS: day 90 after a start, then every 180 days, to a few contacts per account ---
    contacts = np.select([segment == "high_touch", segment == "mid_market", segment == "smb"], [4, 3, 2], 1)
    waves = np.maximum(0, (live_end - stints[:, 0] - 90) // 180 + 1)
    w_acc = np.repeat(np.arange(n), waves)
    w_k = np.concatenate([np.arange(w) for w in waves]) if len(w_acc) else np.array([], dtype=np.int64)
    w_day = stints[w_acc, 0] + 90 + 180 * w_k
    in_window = (w_day >= window_start) & (w_day <= as_of)
    w_acc, w_day = w_acc[in_window], w_day[in_window]
    s_acc = np.repeat(w_acc, contacts[w_acc])
    s_day = np.repeat(w_day, contacts[w_acc])
    s_contact = np.concatenate([np.arange(c) for c in contacts[w_acc]]) if len(w_acc) else np.array([], dtype=np.int64)
    h = latent(s_day[:, None], s_acc)[:, 0] * (0.35 + 0.65 * base[s_acc])
    answered = (rng.random(len(s_acc)) < 0.36) & (s_day < as_of - 1)
    score = np.clip(np.round(1.5 + 9.5 * h + rng.normal(0, 1.5, len(s_acc))), 0, 10).astype(np.int64)
    sent = s_day * 86400 + rng.integers(8 * 3600, 11 * 3600, len(s_acc))
    responded = np.minimum(sent + (rng.exponential(2.0, len(s_acc)) * 86400).astype(np.int64), now_s - 1)
    kind = np.where(score <= 6, "detractor", np.where(score <= 8, "passive", "promoter"))
    pick = rng.integers(0, 6, len(s_acc))
    comment = [COMMENTS[k][p % len(COMMENTS[k])] if (ans and c) else None
               for k, p, ans, c in zip(kind, pick, answered, rng.random(len(s_acc)) < 0.45)]
    nps = pl.DataFrame({
        "survey_id": np.arange(1, len(s_acc) + 1), "account_id": s_acc + 1,
        "contact_email": email_of(s_acc, s_contact),
        "sent_at": _stamps(sent), "responded_at": _stamps(responded),
        "score": score, "comment": comment, "answered": answered,
    }).with_columns(
        pl.when("answered").then(pl.col("responded_at")).alias("responded_at"),
        pl.when("answered").then(pl.col("score")).alias("score"),
    ).drop("answered")
    yield "nps_responses", nps
    del nps, s_acc, s_day, s_contact, h, answered, score, sent, responded, kind, pick, comment, w_acc, w_day, w_k

    # --- onboarding milestones for each new or win-back term that started in the window ---
    starts = contracts_df.filter(pl.col("term_type") != "renewal",
                                 pl.col("start_date") >= shape.as_of - dt.timedelta(days=365 * shape.years + 90))
    m_rows = []
    s_acc0 = starts["account_id"].to_numpy() - 1
    s_start = np.array([_day(d) for d in starts["start_date"]], dtype=np.int64)
    for offset, milestone, _label in MILESTONES:
        due = s_start + offset
        slip = slipped[s_acc0]
        delay = np.where(slip, rng.uniform(3, 12, len(due)) * (1 + offset / 20), rng.normal(-2.5, 2.5, len(due))).round()
        never = slip & (rng.random(len(due)) < 0.08 * (1 + offset / 30))
        done = due + delay.astype(np.int64)
        # every planned milestone is written with its due date, except those a churn cancelled
        gone = (churn_day[s_acc0] >= 0) & (due > live_end[s_acc0])
        completed = np.where(never | (done > as_of) | (done > live_end[s_acc0]), -1, done)
        m_rows.append(pl.DataFrame({
            "account_id": s_acc0[~gone] + 1, "contract_id": starts["contract_id"].to_numpy()[~gone],
            "milestone": milestone, "day_offset": offset, "due_date": _dates(due[~gone]),
            "completed_date": pl.Series(completed[~gone]).cast(pl.Int32),
        }))
    milestones = pl.concat(m_rows).with_columns(
        pl.when(pl.col("completed_date") < 0).then(None).otherwise(pl.col("completed_date")).cast(pl.Date)
        .alias("completed_date"))
    yield "onboarding_milestones", milestones

    # --- weekly health snapshots, ending on as_of ---
    snap = as_of - 7 * np.arange(shape.health_weeks)[::-1]
    weights = {c: w for c, _l, w, _d in HEALTH_COMPONENTS}
    quiet = rng.random(n) < 0.25  # accounts whose contacts never answer surveys
    for lo in range(0, n, 20_000):
        idx = np.arange(lo, min(n, lo + 20_000))
        live = (snap[None, :] >= stints[idx, 0][:, None] + 7) & (snap[None, :] <= live_end[idx][:, None])
        rows, cols = np.nonzero(live)
        acc, day = idx[rows], snap[cols]
        rel = latent(day[:, None], acc)[:, 0]
        usage_c = np.clip(100 * util_target[acc] * rel / 0.7 + rng.normal(0, 5, len(acc)), 0, 100)
        k_hi = np.searchsorted(t_key, acc * 1_000_000 + day, side="right")
        k_lo = np.searchsorted(t_key, acc * 1_000_000 + day - 30, side="right")
        support_c = np.clip(100 - 12 * (k_hi - k_lo), 0, 100).astype(float)
        sentiment_c = np.where(quiet[acc] | (day - stints[acc, 0] < 100), np.nan,
                               np.clip(100 * (0.15 + 0.85 * rel * base[acc]) + rng.normal(0, 8, len(acc)), 0, 100))
        engagement_c = np.where(segment[acc] == "tech_touch", np.nan,
                                np.clip(100 * (0.3 + 0.7 * base[acc] * rel) + rng.normal(0, 8, len(acc)), 0, 100))
        onboarding = day - stints[acc, 0] <= 90
        onboarding_c = np.where(onboarding, np.where(slipped[acc], rng.uniform(20, 60, len(acc)),
                                                     rng.uniform(75, 100, len(acc))), np.nan)
        comps = {"usage_score": usage_c, "sentiment_score": sentiment_c, "support_score": support_c,
                 "engagement_score": engagement_c, "onboarding_score": onboarding_c}
        num = sum(np.nan_to_num(v) * weights[c] for c, v in comps.items())
        den = sum((~np.isnan(v)) * weights[c] for c, v in comps.items())
        frame = pl.DataFrame({"account_id": acc + 1, "day": _dates(day), "score": np.round(num / den, 1),
                              **{c: np.round(v, 1) for c, v in comps.items()}})
        yield "health_scores", frame.with_columns(pl.col(list(comps)).fill_nan(None))

    # --- new users of the last 180 days and their first-week page views ---
    new_users = rng.poisson(latest_seats * 0.035 * 6 * is_active)
    u_acc = np.repeat(np.arange(n), new_users)
    u_day = np.maximum(as_of - rng.integers(0, 180, len(u_acc)), stints[u_acc, 0])
    mean_views = np.where(at_risk[u_acc], 1.5, 2 + 14 * base[u_acc])
    activations = pl.DataFrame({
        "user_id": np.arange(1, len(u_acc) + 1), "account_id": u_acc + 1,
        "created_at": _stamps(u_day * 86400 + rng.integers(8 * 3600, 18 * 3600, len(u_acc))),
        "page_views_first_7d": rng.poisson(mean_views),
    })

    components = pl.DataFrame(HEALTH_COMPONENTS, schema=["component", "label", "weight", "description"],
                              orient="row")
    changes = generate_changes(np.random.default_rng(shape.seed + 2), as_of, window_start, milestones, slipped,
                               is_active, at_risk, live_end, _dates, email_of)
    yield from (("health_components", components), ("user_activations", activations), *changes.items())
