"""Onboarding milestones, NPS and activity tier movement on a hand-built book, on both backends."""
import datetime as dt

import pytest

from queries import definitions as d, nps, onboarding, portfolio, rollups
from queries.scope import Filters
from tests.builders import Book, days

D = dt.date
AS_OF = D(2026, 6, 30)
THEN = AS_OF - days(90)
SEGMENTS = {1: "smb", 2: "mid_market", 3: "smb", 4: "mid_market", 5: "smb", 6: "smb", 7: "smb", 8: "smb"}
# (account, sent day, score or None, comment): May has 9 surveys, 6 answers, ties at 6/7 and 8/9
SURVEYS = [(1, D(2026, 5, 4), 6, "meh"), (1, D(2026, 5, 4), 7, None), (1, D(2026, 5, 5), 8, None),
           (1, D(2026, 5, 5), 9, None), (1, D(2026, 5, 6), None, None), (1, D(2026, 5, 6), None, None),
           (2, D(2026, 5, 10), 10, None), (2, D(2026, 5, 11), 0, "<b>bad</b> & 'quoted' **not bold**"),
           (2, D(2026, 5, 12), None, None)] + [(1, D(2026, 6, 2), 9, None)] * 10  # June: exactly 10 answers
# (account, moment sent, score or None) on the edges of a ragged period, 15 Mar - 4 May: its whole
# month (April) is read from the nps_monthly rollup, its days in March and May from nps_responses
EDGE_SURVEYS = [(3, dt.datetime(2026, 3, 14, 23, 59), 10), (3, dt.datetime(2026, 3, 15, 0, 0), 0),
                (5, dt.datetime(2026, 3, 31, 23, 59), 9), (5, dt.datetime(2026, 4, 1, 0, 0), 9),
                (6, dt.datetime(2026, 4, 30, 23, 59), None), (7, dt.datetime(2026, 4, 12, 8), 3),
                (4, dt.datetime(2026, 4, 15, 8), 8), (2, dt.datetime(2026, 4, 2, 8), 10)]


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    b.csm(2, team="Strategic", segment="mid_market")
    for account_id, segment in SEGMENTS.items():
        b.account(account_id, segment=segment, csm_id=2 if segment == "mid_market" else 1)
        b.health(account_id, AS_OF, 60.0)
    for n, (account_id, sent, score, comment) in enumerate(SURVEYS, start=1):
        sent_at = dt.datetime.combine(sent, dt.time(9))
        b.add("nps_responses", survey_id=n, account_id=account_id, contact_email=f"c{n}@x.example", sent_at=sent_at,
              responded_at=None if score is None else sent_at + dt.timedelta(hours=n), score=score, comment=comment)
    for n, (account_id, sent_at, score) in enumerate(EDGE_SURVEYS, start=len(SURVEYS) + 1):
        b.add("nps_responses", survey_id=n, account_id=account_id, contact_email=f"c{n}@x.example", sent_at=sent_at,
              responded_at=None if score is None else sent_at + dt.timedelta(hours=1), score=score, comment=None)
    b.add("contacts", contact_id=1, account_id=2, name="Ola Berg", email="c8@x.example", title="COO", tier="S",
          is_champion=False, left_at=None)  # who gave answer 8; answer 1's address is no contact's
    # 3: started 10 days ago; kickoff on time, first training done before its (future) due date
    t3 = b.term(3, AS_OF - days(10), AS_OF + days(354), 10_000)
    # 4: started 76 days ago; training late, go-live late, second training overdue
    t4 = b.term(4, D(2026, 4, 15), D(2027, 4, 14), 40_000)
    # 5: an old cohort that went live on day 28
    t5 = b.term(5, D(2025, 1, 10), D(2027, 1, 9), 8_000)
    done = {3: {"kickoff": AS_OF - days(5), "first_training": AS_OF - days(1)},
            4: {"kickoff": D(2026, 4, 21), "first_training": D(2026, 5, 5), "go_live": D(2026, 5, 25)},
            5: {m: D(2025, 1, 10) + days(o - 2) for o, m in ((7, "kickoff"), (14, "first_training"), (30, "go_live"),
                                                              (60, "second_training"), (90, "usage_review"))}}
    for term in (t3, t4, t5):
        for offset, milestone in ((7, "kickoff"), (14, "first_training"), (30, "go_live"), (60, "second_training"),
                                  (90, "usage_review")):
            b.add("onboarding_milestones", account_id=term["account_id"], contract_id=term["contract_id"],
                  milestone=milestone, day_offset=offset, due_date=term["start_date"] + days(offset),
                  completed_date=done[term["account_id"]].get(milestone))
    # activity tiers: 6 heavy then, light now; 7 new since; 8 normal then, churned since; 5 never active
    b.term(6, D(2025, 1, 1), D(2026, 12, 31), 20_000)
    b.term(7, D(2026, 5, 1), D(2027, 4, 30), 5_000)
    lost = b.term(8, D(2025, 5, 1), D(2026, 4, 30), 7_000, status="churned")
    b.renewal(lost, "churned", 0, D(2026, 4, 28), stage="closed")
    for back in range(30):
        b.usage(6, THEN - days(back), 8, 10)
        b.usage(8, THEN - days(back), 5, 10)
        b.usage(6, AS_OF - days(back), 2, 10)
        b.usage(7, AS_OF - days(back), 5, 10)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def nps_of(scores):
    answered = [s for s in scores if s is not None]
    return 100 * (sum(s >= 9 for s in answered) - sum(s <= 6 for s in answered)) / len(answered)


def test_nps_by_month_counts_ties_and_unanswered_surveys(book):
    rows = {r["period"]: r for r in nps.nps_by_period(book, Filters(), D(2026, 5, 1), D(2026, 6, 30)).iter_rows(named=True)}
    may = [s for _a, sent, s, _c in SURVEYS if sent.month == 5]
    assert (rows[D(2026, 5, 1)]["surveys_sent"], rows[D(2026, 5, 1)]["responses"]) == (9, 6)
    assert (rows[D(2026, 5, 1)]["promoters"], rows[D(2026, 5, 1)]["passives"], rows[D(2026, 5, 1)]["detractors"]) == (2, 2, 2)
    assert rows[D(2026, 5, 1)]["nps"] == pytest.approx(nps_of(may)) == 0
    assert rows[D(2026, 5, 1)]["response_rate"] == pytest.approx(6 / 9)
    assert rows[D(2026, 5, 1)]["small_sample"] is True
    assert rows[D(2026, 6, 1)]["nps"] == 100 and rows[D(2026, 6, 1)]["small_sample"] is False  # n = 10 exactly


def test_nps_by_segment_and_overall(book):
    by_segment = {r["grp"]: r for r in nps.nps_by_group(book, Filters(), D(2026, 5, 1), D(2026, 6, 30), "segment")
                  .iter_rows(named=True)}
    smb = [s for a, _d, s, _c in SURVEYS if SEGMENTS[a] == "smb"]
    assert by_segment["smb"]["nps"] == pytest.approx(nps_of(smb)) == pytest.approx(100 * 10 / 14)
    assert by_segment["mid_market"]["nps"] == 0 and by_segment["mid_market"]["small_sample"] is True
    total = nps.nps_by_group(book, Filters(), D(2026, 5, 1), D(2026, 6, 30)).row(0, named=True)
    assert total["nps"] == pytest.approx(nps_of([s for _a, _d, s, _c in SURVEYS]))
    assert total["surveys_sent"] == len(SURVEYS)


def _every_survey():
    """(account, moment sent, score) of every survey of the book."""
    return ([(a, dt.datetime.combine(sent, dt.time(9)), score) for a, sent, score, _c in SURVEYS]
            + list(EDGE_SURVEYS))


@pytest.mark.parametrize("team", [None, "Strategic"])
def test_nps_over_a_ragged_period_counts_each_survey_once(book, team):
    """15 Mar - 4 May: whole April from the rollup, the edge days from the surveys themselves; a
    survey at 00:00 on the first day and at 23:59 on a month's last day counts, the day before
    the start and the day after the end do not. Against a count over the surveys as written."""
    start, end = D(2026, 3, 15), D(2026, 5, 4)
    teams = {1: "Scale", 2: "Strategic"}
    inside = [(a, sent, score) for a, sent, score in _every_survey()
              if dt.datetime.combine(start, dt.time()) <= sent < dt.datetime.combine(end + days(1), dt.time())
              and (team is None or teams[2 if SEGMENTS[a] == "mid_market" else 1] == team)]
    filters = Filters(teams=(team,)) if team else Filters()
    rows = {r["period"]: r for r in nps.nps_by_period(book, filters, start, end).iter_rows(named=True)}
    for month in (D(2026, 3, 1), D(2026, 4, 1), D(2026, 5, 1)):
        scores = [score for _a, sent, score in inside if sent.month == month.month]
        if not scores:  # Strategic sent nothing in March
            assert month not in rows
            continue
        assert rows[month]["surveys_sent"] == len(scores), month
        assert rows[month]["responses"] == len([x for x in scores if x is not None])
        assert rows[month]["detractors"] == len([x for x in scores if x is not None and x <= d.DETRACTOR_UP_TO])
        assert rows[month]["promoters"] == len([x for x in scores if x is not None and x >= d.PROMOTER_FROM])
        assert rows[month]["nps"] == pytest.approx(nps_of(scores))
    total = nps.nps_by_group(book, filters, start, end).row(0, named=True)
    assert total["surveys_sent"] == len(inside) and total["nps"] == pytest.approx(nps_of([s for _a, _t, s in inside]))
    by_quarter = nps.nps_by_period(book, filters, start, end, grain="quarter")
    assert by_quarter["surveys_sent"].sum() == len(inside)


def test_whole_months_of_a_period():
    assert rollups.whole_months(D(2026, 3, 15), D(2026, 5, 4)) == (D(2026, 4, 1), D(2026, 5, 1))
    assert rollups.whole_months(D(2026, 3, 1), D(2026, 3, 31)) == (D(2026, 3, 1), D(2026, 4, 1))
    assert rollups.whole_months(D(2026, 12, 1), D(2026, 12, 31)) == (D(2026, 12, 1), D(2027, 1, 1))
    assert rollups.whole_months(D(2026, 3, 2), D(2026, 3, 30)) == (D(2026, 3, 2), D(2026, 3, 2))  # none


def test_detractor_comments_come_back_as_written(book):
    comments = nps.detractor_comments(book, Filters(stages=()))
    assert comments["comment"].to_list() == ["<b>bad</b> & 'quoted' **not bold**", "meh"]
    assert comments["score"].to_list() == [0, 6]
    assert comments["contact"].to_list() == ["Ola Berg", "c1@x.example"]  # the person, else the address


def test_milestone_states_and_young_cohorts(book):
    rows = {(r["cohort"], r["milestone"]): r for r in
            onboarding.milestone_matrix(book, Filters(), D(2025, 1, 1), "month").iter_rows(named=True)}
    june, april = D(2026, 6, 1), D(2026, 4, 1)
    assert rows[(june, "kickoff")]["on_time_rate"] == 1.0
    assert rows[(june, "first_training")]["on_time"] == 1  # done before its due date, which is still ahead
    assert rows[(june, "go_live")]["on_time_rate"] is None  # not due yet, not 0%
    assert rows[(june, "go_live")]["not_due"] == 1
    assert (rows[(april, "first_training")]["late"], rows[(april, "second_training")]["overdue"]) == (1, 1)
    assert rows[(april, "go_live")]["on_time_rate"] == 0.0
    assert rows[(D(2025, 1, 1), "usage_review")]["on_time_rate"] == 1.0
    assert {c for c, _m in rows} == {D(2025, 1, 1), april, june}  # months with no signings do not appear
    assert onboarding.milestone_matrix(book, Filters(segments=("high_touch",)), D(2025, 1, 1)).is_empty()
    # the who-filters: account 4 is the Strategic team's (CSM 2), accounts 3 and 5 CSM 1's
    strategic = onboarding.milestone_matrix(book, Filters(teams=("Strategic",)), D(2025, 1, 1), "month")
    assert set(strategic["cohort"]) == {april} and strategic["accounts"].max() == 1
    csm_1 = onboarding.milestone_matrix(book, Filters(csm_ids=(1,)), D(2025, 1, 1), "month")
    assert set(csm_1["cohort"]) == {D(2025, 1, 1), june}
    assert onboarding.time_to_value(book, Filters(teams=("Strategic",)), D(2025, 1, 1))["segment"].to_list() == \
        ["mid_market"]


def test_time_to_value_is_the_median_days_to_go_live(book):
    rows = {(r["cohort"], r["segment"]): r for r in
            onboarding.time_to_value(book, Filters(), D(2025, 1, 1)).iter_rows(named=True)}
    assert rows[(D(2025, 1, 1), "smb")]["median_days_to_live"] == 28
    assert rows[(D(2026, 4, 1), "mid_market")]["median_days_to_live"] == (D(2026, 5, 25) - D(2026, 4, 15)).days
    young = rows[(D(2026, 4, 1), "smb")]
    assert (young["accounts"], young["live_accounts"], young["median_days_to_live"]) == (1, 0, None)


def test_accounts_in_onboarding_now(book):
    now = {r["account_id"]: r for r in onboarding.in_onboarding(book, Filters()).iter_rows(named=True)}
    assert set(now) == {3, 4, 7}  # 7 started 60 days ago with no milestones recorded
    assert (now[4]["next_milestone"], now[4]["days_late"], now[4]["go_live_slipped"]) == ("second_training", 16, True)
    assert (now[4]["milestones_done"], now[4]["milestones_overdue"]) == (3, 1)
    assert (now[3]["next_milestone"], now[3]["days_late"], now[3]["go_live_slipped"]) == ("go_live", 0, False)
    assert list(now)[0] == 4  # the latest first
    assert (now[7]["next_milestone"], now[7]["milestones_done"]) == (None, 0)  # no milestones recorded: listed
    summary = onboarding.onboarding_summary(book, Filters())
    assert (summary["accounts"], summary["with_overdue"], summary["go_live_slipped"]) == (3, 1, 1)
    assert summary["arr"] == 10_000 + 40_000 + 5_000
    assert onboarding.in_onboarding(book, Filters(), limit=2)["account_id"].to_list() == list(now)[:2]


def test_tier_movement_over_90_days(book):
    moves = {(r["tier_then"], r["tier_now"]): r["accounts"] for r in
             portfolio.tier_movement(book, Filters()).iter_rows(named=True)}
    assert moves == {("heavy", "light"): 1, ("not live", "normal"): 1, ("normal", "not live"): 1,
                     ("abandoned", "abandoned"): 1, ("not live", "abandoned"): 2}
