"""Score check and what-if weights against a hand-built book whose outcomes are known, on both
engines: every rate, spread, quartile spread, precision and recall equals a computation written
out here day by day in plain Python (not the app's SQL), on the definitions' edges: a score exactly
at a band edge, a snapshot exactly N days before due, one just too old, one just after the look
day, a contraction counted as a bad outcome, a renewal due exactly on the span's first day."""
from __future__ import annotations

import datetime as dt
import statistics

import pytest

from queries import definitions as d
from queries import score_check as sc
from queries.scope import Filters
from tests.builders import Book, days, stamp

D = dt.date
AS_OF = D(2026, 6, 30)
WEIGHTS = {"usage_score": 0.35, "sentiment_score": 0.20, "support_score": 0.15, "engagement_score": 0.20,
           "onboarding_score": 0.10}
USAGE_FROM = D(2025, 12, 1)

# account: (due, outcome, arr_up, arr_renewed, segment, {days before due: score})
RENEWALS = {
    1: (D(2026, 3, 31), "renewed", 100, 100, "smb", {90: 85.0, 30: 25.0, 180: 60.0}),
    2: (D(2026, 4, 15), "renewed", 200, 150, "smb", {90: d.GREEN_FROM, 30: 50.0}),        # contraction
    3: (D(2026, 2, 10), "churned", 50, 0, "mid_market", {90: d.RED_BELOW - 0.1, 180: 80.0}),
    4: (D(2026, 5, 20), "renewed", 80, 120, "smb", {103: d.RED_BELOW, 30: 90.0}),        # 13 days older: counts
    5: (D(2026, 1, 5), "churned", 60, 0, "smb", {104: 55.0, 89: 20.0}),                  # 14 older: too old
    6: (D(2025, 7, 1), "renewed", 90, 90, "mid_market", {90: 30.0}),                      # first day of the span
    7: (D(2025, 6, 30), "churned", 70, 0, "smb", {90: 20.0}),                             # the day before it
    9: (D(2026, 6, 1), "churned", 40, 0, "smb", {90: 65.0, 30: 45.0}),
    10: (D(2025, 12, 1), "renewed", 300, 300, "mid_market", {90: 75.0, 180: 72.0}),
    11: (D(2025, 10, 15), "renewed", 70, 60, "smb", {90: 72.0, 30: 35.0}),               # contraction
    12: (D(2026, 3, 1), "churned", 30, 0, "smb", {90: 35.0, 30: 10.0, 180: 50.0}),
    13: (D(2026, 6, 25), "churned", 110, 0, "smb", {90: 68.0, 30: 40.0}),
    14: (D(2026, 6, 26), "renewed", 120, 120, "smb", {90: 78.0, 30: 66.0}),
    15: (D(2026, 6, 27), "renewed", 130, 130, "smb", {90: 82.0, 30: 83.0, 180: 81.0}),
}
OPEN = {8: D(2026, 6, 20), 16: D(2026, 7, 20)}  # open renewals: never counted
SCORED_ON_AS_OF = 17


def components(account_id: int, score: float) -> dict:
    """Component values, some missing (no NPS answer for every third account), ties on support."""
    return {"usage_score": min(100.0, score + 5), "support_score": 100.0 - 12 * (account_id % 3),
            "engagement_score": max(0.0, score - 5),
            "sentiment_score": None if account_id % 3 == 0 else float((account_id * 37) % 100)}


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    for component, weight in WEIGHTS.items():
        b.add("health_components", component=component, label=component.replace("_", " "), weight=weight,
              description=component)
    for account_id, (due, outcome, arr_up, arr_renewed, segment, scores) in RENEWALS.items():
        b.account(account_id, segment=segment)
        t = b.term(account_id, due - days(365), due, arr_up, status=outcome)
        b.renewal(t, outcome, arr_renewed, due - days(5), stage="closed")
        if outcome == "renewed":
            b.term(account_id, due + days(1), due + days(366), arr_renewed, term_type="renewal")
        for before, score in scores.items():
            b.health(account_id, due - days(before), score, **components(account_id, score))
    for account_id, due in OPEN.items():
        b.account(account_id)
        b.renewal(b.term(account_id, due - days(365), due, 10), None)
        b.health(account_id, due - days(90), 20.0, **components(account_id, 20.0))
    # the warehouse's as-of day (its newest snapshot) is AS_OF, as on the page: the marts hold what
    # is decided and scored by then (an account with no renewal, scored that day)
    b.account(SCORED_ON_AS_OF)
    b.health(SCORED_ON_AS_OF, AS_OF, 50.0, **components(SCORED_ON_AS_OF, 50.0))
    ticket_id = 0

    def tickets(account_id, *on):
        nonlocal ticket_id
        for day in on:
            ticket_id += 1
            b.add("support_tickets", ticket_id=ticket_id, account_id=account_id, opened_at=stamp(day, 9 + ticket_id % 8),
                  closed_at=None, priority="normal", subject="help")

    look = {a: r[0] - days(90) for a, r in RENEWALS.items()}
    due = {a: r[0] for a, r in RENEWALS.items()}
    # ticket bursts: straddling the window's first day (held on it); ending on the due date (the
    # due date is outside the window: 4 in it); inside the window on a renewed account; 5 in 8 days
    tickets(3, *(look[3] + days(k) for k in (-3, -2, -1, 0, 0)))
    tickets(9, *(due[9] - days(k) for k in (4, 3, 2, 1, 0)))
    tickets(10, *(look[10] + days(k) for k in (20, 21, 22, 23, 26)))
    tickets(11, *(look[11] + days(k) for k in (10, 11, 12, 13, 17)))
    # champions and decision makers who left: 89 days before the window (held), 90 (not), on the
    # day before due (held, on a contraction)
    b.contact(12, "A", True, look[12] - days(89))
    b.contact(1, "S", False, look[1] - days(90))
    b.contact(2, "A", True, due[2] - days(1))
    b.contact(10, "B", False, look[10])  # neither champion nor tier S
    # business changes: the day before due (held), on the due date (not)
    b.business_event(5, "layoffs", due[5] - days(1))
    b.business_event(6, "acquired", due[6])
    # NPS: a detractor 179 days before the window (held); one superseded by a promoter before the
    # window (not); one inside the window then superseded (held); one 180 days before (not)
    survey = 0

    def answer(account_id, contact, day, score):
        nonlocal survey
        survey += 1
        b.add("nps_responses", survey_id=survey, account_id=account_id, contact_email=contact,
              sent_at=stamp(day, 8), responded_at=None if score is None else stamp(day), score=score, comment=None)

    answer(9, "x@c.example", look[9] - days(179), 3)
    answer(10, "y@c.example", look[10] - days(100), 5)
    answer(10, "y@c.example", look[10] - days(10), 9)
    answer(4, "z@c.example", look[4] + days(5), 4)
    answer(4, "z@c.example", look[4] + days(20), 10)
    answer(1, "w@c.example", look[1] - days(180), 2)
    answer(1, "v@c.example", look[1], None)  # sent, never answered
    # usage: 13 loses its key events, 14 its active users; 9 drops too, but its window's baseline
    # starts before the usage history does, so the usage rules cannot judge it. 15 sits on the
    # edges: its key events fall to exactly the usage-drop share (not below it: no drop), and its
    # users, exactly as many as a drop needs before, fall to at most the sudden-drop share (a drop)
    edge_key_events = 100 * d.USAGE_DROP_BELOW
    assert edge_key_events == int(edge_key_events)
    users_before = {15: d.SUDDEN_DROP_MIN_USERS}
    users_after = {14: 3, 15: int(d.SUDDEN_DROP_TO * d.SUDDEN_DROP_MIN_USERS)}
    key_events_after = {9: 10, 13: 10, 15: int(edge_key_events)}
    for account_id in (9, 13, 14, 15):
        day = USAGE_FROM
        while day < due[account_id]:
            late = day >= look[account_id] + days(15)
            users = users_after.get(account_id, 10) if late else users_before.get(account_id, 10)
            b.usage(account_id, day, active_users=users, seats=20,
                    key_events=key_events_after.get(account_id, 100) if late else 100)
            day += days(1)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


# --- the independent computation ---------------------------------------------------------------

def band_of(score):
    if score is None:
        return "no score"
    return "red" if score < d.RED_BELOW else "yellow" if score < d.GREEN_FROM else "green"


def decided_rows(quarters: int, segment: str | None = None):
    rows = build_book().rows
    start = d.score_check_start(AS_OF, quarters)
    accounts = {a["account_id"]: a for a in rows["accounts"]}
    return [r for r in rows["renewals"] if r["outcome"] and start <= r["due_date"] <= AS_OF
            and (segment is None or accounts[r["account_id"]]["segment"] == segment)]


def snapshot(account_id: int, due: dt.date, lead: int):
    """The account's health row N days before due: the latest on or before that day, if it is
    fewer than SCORE_CHECK_SCORE_MAX_AGE_DAYS days older."""
    look = due - days(lead)
    rows = [h for h in build_book().rows["health_scores"] if h["account_id"] == account_id
            and look - days(d.SCORE_CHECK_SCORE_MAX_AGE_DAYS) < h["day"] <= look]
    return max(rows, key=lambda h: h["day"]) if rows else None


def rates(rows):
    up = sum(r["arr_up"] for r in rows)
    return {"decided": len(rows),
            "logo": sum(r["outcome"] == "renewed" for r in rows) / len(rows) if rows else None,
            "grr": sum(min(r["arr_renewed"], r["arr_up"]) for r in rows) / up if up else None}


def expected_bands(quarters, lead, score_of=lambda h: h["score"], segment=None):
    groups = {}
    for r in decided_rows(quarters, segment):
        h = snapshot(r["account_id"], r["due_date"], lead)
        groups.setdefault(band_of(score_of(h) if h else None), []).append(r)
    return {band: rates(rs) for band, rs in groups.items()}


def reweighed(weights):
    def score(h):
        have = {c: w for c, w in weights.items() if h.get(c) is not None}
        return sum(h[c] * w for c, w in have.items()) / sum(have.values()) if sum(have.values()) else None
    return score


def bad(r) -> bool:
    return r["outcome"] == "churned" or r["arr_renewed"] < r["arr_up"]


# --- bands ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("quarters, lead", [(4, 90), (4, 30), (8, 180), (5, 90)])
def test_band_rates_and_spread_equal_the_hand_computation(book, quarters, lead):
    want = expected_bands(quarters, lead)
    got = {r["band"]: r for r in sc.bands(book, Filters(), AS_OF, quarters, lead).iter_rows(named=True)}
    assert set(got) == set(want)
    for band, w in want.items():
        assert got[band]["decided"] == w["decided"], band
        assert got[band]["logo_renewal_rate"] == pytest.approx(w["logo"]), band
        assert got[band]["grr"] == pytest.approx(w["grr"]), band
        assert got[band]["small_sample"] == (w["decided"] < d.SMALL_SAMPLE_BELOW)
    spread = next(iter(got.values()))
    if "green" in want and "red" in want:
        assert spread["logo_spread"] == pytest.approx(want["green"]["logo"] - want["red"]["logo"])
        assert spread["grr_spread"] == pytest.approx(want["green"]["grr"] - want["red"]["grr"])
    else:
        assert spread["logo_spread"] is None


def test_the_edges_land_where_the_definitions_say(book):
    want = {band: rs for band, rs in expected_bands(4, 90).items()}
    got = {r["band"]: r for r in sc.bands(book, Filters(), AS_OF, 4, 90).iter_rows(named=True)}
    # green: 1 (85, exactly 90 days before due), 2 (exactly GREEN_FROM), 10, 11, 14, 15;
    # yellow: 4 (exactly RED_BELOW, 13 days before the look day), 9, 13; red: 3 (just below), 6, 12;
    # no score: 5 (its score 14 days older is too old; the one after the look day is not looked at);
    # 7 is due the day before the span, 8 and 16 are open
    assert {b: got[b]["decided"] for b in got} == {"green": 6, "yellow": 3, "red": 3, "no score": 1}
    assert got["green"]["contracted"] == 2 and got["green"]["churned"] == 0  # 2 and 11 shrank
    assert got["red"]["renewed"] == 1  # account 6, due on the span's first day, renewed while red
    assert want["green"]["grr"] == pytest.approx((100 + 150 + 300 + 60 + 120 + 130) / (100 + 200 + 300 + 70 + 120 + 130))


def test_who_filters_apply_and_history_keeps_churned_accounts(book):
    want = expected_bands(4, 90, segment="mid_market")
    got = {r["band"]: r for r in sc.bands(book, Filters(segments=("mid_market",)), AS_OF, 4, 90).iter_rows(named=True)}
    assert {b: r["decided"] for b, r in got.items()} == {b: w["decided"] for b, w in want.items()}
    assert got["red"]["churned"] == 1  # account 3 churned: stage filters do not drop it from history


def test_base_rates(book):
    rows = decided_rows(4)
    got = sc.base_rates(book, Filters(), AS_OF, 4, 90)
    assert got["decided"] == len(rows) == 13
    assert got["bad"] == sum(map(bad, rows))
    assert got["churned"] == sum(r["outcome"] == "churned" for r in rows)
    assert got["scored"] == sum(snapshot(r["account_id"], r["due_date"], 90) is not None for r in rows) == 12
    assert got["logo_renewal_rate"] == pytest.approx(rates(rows)["logo"])


# --- components ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lead, segment", [(90, None), (30, None), (90, "mid_market")])
def test_component_quartile_spreads_equal_the_hand_computation(book, lead, segment):
    filters = Filters(segments=(segment,)) if segment else Filters()
    got = {r["component"]: r for r in sc.component_spreads(book, filters, AS_OF, 4, lead).iter_rows(named=True)}
    valued = {}
    for r in decided_rows(4, segment):
        h = snapshot(r["account_id"], r["due_date"], lead)
        for c in WEIGHTS:
            if h and h.get(c) is not None:
                valued.setdefault(c, []).append((h[c], r["outcome"] == "renewed"))
    assert set(got) == set(valued) and "onboarding_score" not in got  # no value: not listed
    for c, pairs in valued.items():
        values = [v for v, _ in pairs]
        low, _median, high = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 \
            else values * 3  # one value is every quartile
        bottom = [renewed for v, renewed in pairs if v <= low]
        top = [renewed for v, renewed in pairs if v >= high]
        row = got[c]
        assert (row["with_value"], row["bottom_n"], row["top_n"]) == (len(values), len(bottom), len(top)), c
        assert row["bottom_cut"] == pytest.approx(low) and row["top_cut"] == pytest.approx(high)
        assert row["bottom_rate"] == pytest.approx(sum(bottom) / len(bottom))
        assert row["top_rate"] == pytest.approx(sum(top) / len(top))
        assert row["spread"] == pytest.approx(sum(top) / len(top) - sum(bottom) / len(bottom))
        assert row["small_sample"] == (min(len(bottom), len(top)) < d.SMALL_SAMPLE_BELOW)
    if lead == 90 and segment is None:  # the five at 100 tie at the cut
        assert got["support_score"]["top_n"] == 5 > len(valued["support_score"]) / 4


# --- signals -------------------------------------------------------------------------------------

def held(rule: str, account_id: int, t: dt.date, rows) -> bool:
    """The rule on day t, written from its definition in words (queries/definitions.SIGNAL_RULES)."""
    if rule == "ticket_burst":
        return sum(k["account_id"] == account_id and t - days(7) < k["opened_at"].date() <= t
                   for k in rows.get("support_tickets", [])) >= d.TICKET_BURST_FROM
    if rule == "champion_left":
        return any(c["account_id"] == account_id and (c["is_champion"] or c["tier"] == "S") and c["left_at"]
                   and t - days(d.CHAMPION_LEFT_WITHIN_DAYS) < c["left_at"] <= t for c in rows.get("contacts", []))
    if rule == "business_change":
        return any(e["account_id"] == account_id and t - days(d.BUSINESS_CHANGE_WITHIN_DAYS) < e["occurred_on"] <= t
                   for e in rows.get("business_events", []))
    if rule == "nps_detractor":
        latest = {}
        for a in sorted((a for a in rows.get("nps_responses", []) if a["account_id"] == account_id
                         and a["score"] is not None and a["responded_at"].date() <= t),
                        key=lambda a: (a["responded_at"], a["survey_id"])):
            latest[a["contact_email"]] = a
        return any(a["score"] <= d.DETRACTOR_UP_TO and a["responded_at"].date() > t - days(d.DETRACTOR_WITHIN_DAYS)
                   for a in latest.values())
    usage = {u["day"]: u for u in rows.get("usage_daily", []) if u["account_id"] == account_id}
    if t not in usage:
        return False

    def mean(lo, hi, field, weekdays=False):  # over the days in (t - lo, t - hi]
        xs = [usage[day][field] for day in usage if t - days(lo) < day <= t - days(hi)
              and (not weekdays or day.isoweekday() < 6)]
        return sum(xs) / len(xs) if xs else None
    if rule == "usage_drop":
        week, base = mean(7, 0, "key_events"), mean(97, 7, "key_events")
        return bool(base) and week < d.USAGE_DROP_BELOW * base
    week, before = mean(7, 0, "active_users", True), mean(35, 7, "active_users", True)
    return before is not None and before >= d.SUDDEN_DROP_MIN_USERS and week <= d.SUDDEN_DROP_TO * before


@pytest.mark.parametrize("lead", [90, 30])
def test_signal_precision_and_recall_equal_the_hand_computation(book, lead):
    rows = build_book().rows
    got = {r["rule"]: r for r in sc.signal_hits(book, Filters(), AS_OF, 4, lead).iter_rows(named=True)}
    assert set(got) == set(d.SCORE_CHECK_RULES)
    assert not set(d.SCORE_CHECK_RULES) & set(d.SCORE_CHECK_RULES_NOT_COVERED)
    assert set(d.SCORE_CHECK_RULES) | set(d.SCORE_CHECK_RULES_NOT_COVERED) == set(d.SIGNAL_RULES)
    usage_from = min(u["day"] for u in rows["usage_daily"])
    for rule in d.SCORE_CHECK_RULES:
        judged = [r for r in decided_rows(4) if rule not in ("usage_drop", "sudden_drop")
                  or r["due_date"] - days(lead) - days(96) >= usage_from]
        flagged = [r for r in judged if any(held(rule, r["account_id"], r["due_date"] - days(back), rows)
                                            for back in range(1, lead + 1))]
        churned = [r for r in judged if r["outcome"] == "churned"]
        row = got[rule]
        assert (row["evaluated"], row["fired"], row["churned"]) == (len(judged), len(flagged), len(churned)), rule
        assert row["fired_bad"] == sum(map(bad, flagged)), rule
        assert row["precision"] == (pytest.approx(sum(map(bad, flagged)) / len(flagged)) if flagged else None), rule
        caught = [r for r in flagged if r["outcome"] == "churned"]
        assert row["churned_flagged"] == len(caught), rule
        assert row["recall"] == (pytest.approx(len(caught) / len(churned)) if churned else None), rule
        assert row["precision_small"] == (len(flagged) < d.SMALL_SAMPLE_BELOW)


def test_each_signal_edge_is_on_the_right_side(book):
    got = {r["rule"]: r for r in sc.signal_hits(book, Filters(), AS_OF, 4, 90).iter_rows(named=True)}
    # bursts: 3 (straddling the first day) and 10 (inside, renewed); not 9 (ends on due) nor 11 (5 in 8 days)
    assert (got["ticket_burst"]["fired"], got["ticket_burst"]["fired_bad"]) == (2, 1)
    # champions: 12 (89 days before the window) and 2 (the day before due: a contraction, a bad outcome)
    assert (got["champion_left"]["fired"], got["champion_left"]["fired_bad"]) == (2, 2)
    assert got["champion_left"]["churned_flagged"] == 1
    assert got["business_change"]["fired"] == 1  # 5, the day before due; not 6, on it
    assert got["nps_detractor"]["fired"] == 2  # 9 (179 days before) and 4 (inside, then superseded)
    # the usage rules judge only 13, 14 and 15: 13 lost its key events (15 exactly the share: not
    # a drop), 14 and 15 their users (15 had exactly the users a drop needs)
    assert got["usage_drop"]["evaluated"] == got["sudden_drop"]["evaluated"] == 3
    assert (got["usage_drop"]["fired"], got["usage_drop"]["precision"], got["usage_drop"]["recall"]) == (1, 1.0, 1.0)
    assert (got["sudden_drop"]["fired"], got["sudden_drop"]["precision"]) == (2, 0.0)


# --- what-if -------------------------------------------------------------------------------------

@pytest.mark.parametrize("proposal", [
    {"usage_score": 1.0, "sentiment_score": 0.0, "support_score": 0.0, "engagement_score": 0.0,
     "onboarding_score": 0.0},
    {"usage_score": 0.1, "sentiment_score": 0.6, "support_score": 0.1, "engagement_score": 0.1,
     "onboarding_score": 0.1},
    {"usage_score": 3.0, "sentiment_score": 1.0, "support_score": 0.0, "engagement_score": 0.0,
     "onboarding_score": 0.0},  # any scale: only proportions count
])
def test_what_if_recomputes_both_sides_by_the_warehouse_rule(book, proposal):
    frame = sc.what_if(book, Filters(), AS_OF, 4, 90, tuple(sorted(proposal.items())))
    for side, weights in (("current", WEIGHTS), ("proposed", proposal)):
        want = expected_bands(4, 90, score_of=reweighed(weights))
        got = {r["band"]: r for r in frame.filter(frame["weights"] == side).iter_rows(named=True)}
        assert {b: r["decided"] for b, r in got.items()} == {b: w["decided"] for b, w in want.items()}, side
        for band, w in want.items():
            assert got[band]["logo_renewal_rate"] == pytest.approx(w["logo"]), (side, band)
            assert got[band]["grr"] == pytest.approx(w["grr"]), (side, band)
        if "green" in want and "red" in want:
            assert got["green"]["logo_spread"] == pytest.approx(want["green"]["logo"] - want["red"]["logo"])


def test_the_span_and_the_look_back_are_allow_listed():
    assert d.score_check_start(D(2026, 6, 30), 4) == D(2025, 7, 1)
    assert d.score_check_start(D(2026, 5, 31), 4) == D(2025, 6, 1)
    assert d.score_check_start(D(2026, 8, 31), 6) == D(2025, 3, 1)  # 28 Feb + 1 day
    with pytest.raises(ValueError):
        d.score_check_start(AS_OF, 3)
    with pytest.raises(ValueError):
        sc._params(AS_OF, 4, 45)
