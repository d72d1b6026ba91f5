"""Each signal rule fires at its threshold and stays silent just past it, on a hand-built book,
on both backends; and the health breakdown spreads missing weights instead of counting zeros."""
import datetime as dt

import pytest

from queries import account, definitions as d, my_accounts, signals
from queries.scope import Filters
from tests.builders import Book, days, stamp

AS_OF = dt.date(2026, 11, 23)  # a Monday
ADOPTION_START = AS_OF - days(200)


def live(b: Book, account_id: int, start: dt.date = ADOPTION_START, arr: float = 10_000, csm_id: int = 1):
    """A live SMB account its CSM spoke to yesterday (so only the rule under test can fire)."""
    b.account(account_id, csm_id=csm_id)
    b.activity(account_id, "call", AS_OF - days(1), csm_id=csm_id)
    return b.term(account_id, start, start + days(364), arr)


def build_book() -> Book:
    b = Book(AS_OF)
    b.csm(1, team="Scale")
    b.csm(2, team="Scale")
    b.add("health_components", component="usage_score", label="Usage", weight=0.5, description="usage")
    b.add("health_components", component="sentiment_score", label="Sentiment", weight=0.3, description="nps")
    b.add("health_components", component="onboarding_score", label="Onboarding", weight=0.2, description="ob")

    # usage_drop: baseline 100 key events a day; last 7 days at 24 (fires) and 25 (silent)
    for account_id, recent in ((10, 24), (11, 25)):
        live(b, account_id)
        for back in range(97):
            b.usage(account_id, AS_OF - days(back), active_users=1, seats=100,
                    key_events=recent if back < 7 else 100)

    # sudden_drop: 10 weekday users for four weeks, then 5 (fires: 50%), 6 (silent), and a book
    # too small to judge (2 users, then 0: silent)
    for account_id, before, after in ((20, 10, 5), (21, 10, 6), (22, 2, 0)):
        live(b, account_id)
        for back in range(35):
            b.usage(account_id, AS_OF - days(back), active_users=after if back < 7 else before, seats=100)

    # ticket_burst: five tickets in the last 7 days (fires), four plus one just outside (silent)
    for account_id, ages in ((30, [6, 5, 3, 1, 0]), (31, [7, 5, 3, 1, 0])):
        live(b, account_id)
        for age in ages:
            b.add("support_tickets", ticket_id=len(b.rows.get("support_tickets", [])) + 1, account_id=account_id,
                  opened_at=stamp(AS_OF - days(age)), closed_at=None, priority="normal")

    # nps_detractor: latest answer 6 (fires), 7 (silent), 3 but 180 days ago (silent),
    # 9 after an earlier 3 (silent: the latest answer counts)
    for account_id, answers in ((40, [(20, 6)]), (41, [(20, 7)]), (42, [(180, 3)]), (43, [(60, 3), (10, 9)])):
        live(b, account_id)
        for age, score in answers:
            b.add("nps_responses", survey_id=len(b.rows.get("nps_responses", [])) + 1, account_id=account_id,
                  contact_email=f"c{account_id}@example.com", sent_at=stamp(AS_OF - days(age + 2)),
                  responded_at=stamp(AS_OF - days(age)), score=score, comment=None)

    # nps_detractor from any contact: Ada's latest answer is a 3, given before Bo's 9 (fires, naming Ada)
    live(b, 44)
    for name, age, score in (("Ada Park", 60, 3), ("Bo Chen", 10, 9)):
        email = b.contact(44, "A", False, None, name=name)["email"]
        b.add("nps_responses", survey_id=len(b.rows["nps_responses"]) + 1, account_id=44, contact_email=email,
              sent_at=stamp(AS_OF - days(age + 2)), responded_at=stamp(AS_OF - days(age)), score=score,
              comment=None)

    # seat_limit: 8 of 10 seats active every day (fires), 7 of 10 (silent)
    for account_id, users in ((50, 8), (51, 7)):
        live(b, account_id)
        b.weekday_usage(account_id, users, 10)

    # milestone_overdue (terms started 100 days ago): due yesterday and open (fires), due today
    # (silent), due 91 days ago (silent: older than the onboarding window), done late (silent)
    for account_id, due_back, done in ((60, 1, None), (61, 0, None), (62, 91, None), (63, 5, AS_OF)):
        term = live(b, account_id, start=AS_OF - days(100))
        b.add("onboarding_milestones", account_id=account_id, contract_id=term["contract_id"], milestone="usage_review",
              day_offset=90, due_date=AS_OF - days(due_back), completed_date=done)

    # upsold during onboarding: the milestones belong to the relationship's first term, not the
    # upsell's, and still count: kickoff open since 53 days ago (64), go-live done 4 days late (74)
    for account_id, start_back in ((64, 60), (74, 45)):
        start = AS_OF - days(start_back)
        b.account(account_id)
        b.activity(account_id, "call", AS_OF - days(1))
        first = b.term(account_id, start, AS_OF - days(21), 10_000, status="renewed")
        b.term(account_id, AS_OF - days(20), start + days(364), 15_000, term_type="renewal")
        if account_id == 64:
            b.add("onboarding_milestones", account_id=64, contract_id=first["contract_id"], milestone="kickoff",
                  day_offset=7, due_date=start + days(7), completed_date=None)
        else:
            b.add("onboarding_milestones", account_id=74, contract_id=first["contract_id"], milestone="go_live",
                  day_offset=30, due_date=start + days(30), completed_date=start + days(34))

    # go_live_slipped: in onboarding, done a day late (fires) or on time (silent); in adoption (silent)
    for account_id, start_back, late in ((70, 40, 1), (71, 40, 0), (72, 120, 5)):
        start = AS_OF - days(start_back)
        term = live(b, account_id, start=start)
        due = start + days(30)
        b.add("onboarding_milestones", account_id=account_id, contract_id=term["contract_id"], milestone="go_live",
              day_offset=30, due_date=due, completed_date=due + days(late))

    # an onboarding survey after the slip clears it only when it scores above the bar:
    # go-live 3 days late, then a survey scoring just above (clears, 75), at the bar (76), just
    # above but answered on the due day, before the slip (77), or answered after the as-of day (78)
    for account_id, score, answered_back in ((75, d.SURVEY_CLEARS_SLIP_ABOVE + 1, 2),
                                             (76, d.SURVEY_CLEARS_SLIP_ABOVE, 2),
                                             (77, d.SURVEY_CLEARS_SLIP_ABOVE + 1, 10),
                                             (78, d.SURVEY_CLEARS_SLIP_ABOVE + 1, -1)):
        start = AS_OF - days(40)
        term = live(b, account_id, start=start)
        due = start + days(30)  # 10 days ago: the slip starts 9 days ago
        b.add("onboarding_milestones", account_id=account_id, contract_id=term["contract_id"], milestone="go_live",
              day_offset=30, due_date=due, completed_date=due + days(3))
        b.survey(account_id, AS_OF - days(answered_back), score)
    # milestone overdue since 5 days ago: a top survey 4 days ago clears it (65); one given before
    # a second milestone slipped does not (66)
    for account_id, overdue in ((65, [5]), (66, [20, 3])):
        term = live(b, account_id, start=AS_OF - days(100))
        for back in overdue:
            b.add("onboarding_milestones", account_id=account_id, contract_id=term["contract_id"],
                  milestone=f"m{back}", day_offset=90, due_date=AS_OF - days(back), completed_date=None)
        b.survey(account_id, AS_OF - days(4), d.SURVEY_CLEARS_SLIP_ABOVE + 1)

    # business_change: on the edge of the window (fires, 85), one day past it (silent, 86), two
    # changes (fires on the latest, 87), after the as-of day (silent, 88)
    b.business_event(85, "layoffs", AS_OF - days(d.BUSINESS_CHANGE_WITHIN_DAYS - 1), "Cut 15% of staff")
    b.business_event(86, "acquired", AS_OF - days(d.BUSINESS_CHANGE_WITHIN_DAYS))
    b.business_event(87, "funding_cut", AS_OF - days(40))
    b.business_event(87, "leadership_change", AS_OF - days(10), "New COO")
    b.business_event(88, "acquired", AS_OF + days(1))
    for account_id in (85, 86, 87, 88):
        live(b, account_id)

    # weak_new_users: first week just over with 2 views (fires); 3 views, first week not over, or
    # first week over more than 30 days ago (silent)
    for account_id, created_back, views in ((80, 7, 2), (81, 7, 3), (82, 6, 0), (83, 37, 0)):
        live(b, account_id)
        b.add("user_activations", user_id=account_id, account_id=account_id,
              created_at=stamp(AS_OF - days(created_back)), page_views_first_7d=views)

    # a churned account with every reason to fire: no signals for accounts that are not live
    b.account(90)
    b.term(90, AS_OF - days(400), AS_OF - days(36), 10_000, status="churned")
    b.add("nps_responses", survey_id=999, account_id=90, contact_email="x@example.com",
          sent_at=stamp(AS_OF - days(12)), responded_at=stamp(AS_OF - days(10)), score=0, comment=None)

    # health: a component with no data is left out and its weight spread over the others
    live(b, 95, csm_id=2)
    b.health(95, AS_OF, 60.0, usage_score=40.0, sentiment_score=None, onboarding_score=90.0)
    b.health(95, AS_OF - days(28), 70.0, usage_score=60.0, sentiment_score=80.0, onboarding_score=70.0)
    return b


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def fired(wh, rule: str) -> dict[int, dict]:
    frame = signals.firing(wh, Filters(stages=()))
    return {r["account_id"]: r for r in frame.filter(frame["rule"] == rule).iter_rows(named=True)}


def test_usage_below_a_quarter_of_the_baseline(book):
    hits = fired(book, "usage_drop")
    assert set(hits) == {10}
    assert hits[10]["value"] == pytest.approx(0.24) and hits[10]["threshold"] == d.USAGE_DROP_BELOW
    assert hits[10]["since"] == AS_OF - days(6)  # the day after the last day at baseline
    assert "24% of baseline" in hits[10]["evidence"]


def test_sudden_activity_drop_needs_half_and_enough_users(book):
    hits = fired(book, "sudden_drop")
    assert set(hits) == {20}
    assert hits[20]["value"] == pytest.approx(0.5)
    assert hits[20]["since"] == AS_OF - days(6)  # the day after the last weekday above half


def test_five_tickets_in_seven_days(book):
    hits = fired(book, "ticket_burst")
    assert set(hits) == {30}
    assert hits[30]["value"] == 5 and hits[30]["since"] == AS_OF - days(6)


def test_any_contacts_latest_nps_answer_is_a_recent_detractor(book):
    hits = fired(book, "nps_detractor")
    assert set(hits) == {40, 44}
    assert hits[40]["value"] == d.DETRACTOR_UP_TO and hits[40]["since"] == AS_OF - days(20)
    # a happier colleague answering later does not hide Ada's 3: the evidence names her and her score
    assert hits[44]["value"] == 3 and hits[44]["since"] == AS_OF - days(60)
    assert hits[44]["evidence"].startswith("Ada Park answered 3 on ")


def test_eighty_percent_of_seats_is_an_expansion_opportunity(book):
    hits = fired(book, "seat_limit")
    assert set(hits) == {50}
    assert hits[50]["kind"] == "opportunity"
    assert hits[50]["value"] == pytest.approx(0.8) and hits[50]["since"] == AS_OF - days(29)


def test_overdue_milestone_of_the_relationships_onboarding(book):
    hits = fired(book, "milestone_overdue")
    # 64 was upsold during onboarding: its kickoff is still overdue; 66 slipped again after a survey
    assert set(hits) == {60, 64, 66}
    assert hits[60]["value"] == 1 and hits[60]["since"] == AS_OF
    assert hits[64]["value"] == 53 and hits[64]["since"] == AS_OF - days(52)


def test_go_live_slipped_during_onboarding(book):
    hits = fired(book, "go_live_slipped")
    assert set(hits) == {70, 74, 76, 77, 78}  # 74 was upsold during onboarding; 75 recovered (survey)
    assert hits[70]["value"] == 1 and hits[74]["value"] == 4


def test_an_onboarding_survey_above_the_bar_after_the_slip_clears_it(book):
    slipped = fired(book, "go_live_slipped")
    assert {75, 76, 77, 78} & set(slipped) == {76, 77, 78}
    overdue = fired(book, "milestone_overdue")
    assert {65, 66} & set(overdue) == {66}


def test_a_business_change_in_the_window_is_a_risk_with_its_evidence(book):
    hits = fired(book, "business_change")
    assert {85, 86, 87, 88} & set(hits) == {85, 87}
    assert hits[85]["since"] == AS_OF - days(d.BUSINESS_CHANGE_WITHIN_DAYS - 1)
    assert hits[85]["evidence"] == f"{d.BUSINESS_EVENT_LABELS['layoffs']} on " \
        f"{AS_OF - days(d.BUSINESS_CHANGE_WITHIN_DAYS - 1)}: Cut 15% of staff"
    assert hits[87]["evidence"].startswith(f"{d.BUSINESS_EVENT_LABELS['leadership_change']} on ")
    assert hits[87]["evidence"].endswith("New COO (and 1 more)")
    assert hits[87]["kind"] == "risk"


def test_new_users_with_fewer_than_three_page_views(book):
    hits = fired(book, "weak_new_users")
    assert set(hits) == {80}
    assert hits[80]["since"] == AS_OF


# Every account each rule fires for in the book above (the tests above check them one by one)
FIRING = {"usage_drop": {10}, "sudden_drop": {20}, "ticket_burst": {30}, "nps_detractor": {40, 44},
          "seat_limit": {50}, "milestone_overdue": {60, 64, 66}, "go_live_slipped": {70, 74, 76, 77, 78},
          "business_change": {85, 87}, "weak_new_users": {80}}


def arr_today(b: Book) -> dict[int, float]:
    """Each account's ARR from its newest term (every signalled account here is live)."""
    newest = {}
    for term in sorted(b.rows["contracts"], key=lambda t: t["start_date"]):
        newest[term["account_id"]] = term["arr"]
    return newest


@pytest.mark.parametrize("scope", [Filters(), Filters(stages=()), Filters(csm_ids=(1,)),
                                   Filters(account_ids=(10, 44, 64, 74, 80, 87, 95))],
                         ids=["live book", "every stage", "one CSM's book", "some accounts"])
def test_the_portfolio_counts_each_rules_accounts_and_arr(book, scope):
    """The one-pass counts agree with the rules' per-account answers, for the whole book, every
    stage, a CSM's book and a list of accounts."""
    arr = arr_today(build_book())
    expected = {}
    for rule, accounts in FIRING.items():
        mine = {a for a in accounts if not scope.account_ids or a in scope.account_ids}
        if mine:
            expected[rule] = (len(mine), sum(arr[a] for a in mine))
    got = {r["rule"]: (r["accounts"], r["arr"]) for r in signals.counts(book, scope).iter_rows(named=True)}
    assert got == expected


def test_one_row_per_account_and_rule_and_none_for_churned_accounts(book):
    frame = signals.firing(book, Filters(stages=()))
    assert frame.select("account_id", "rule").is_duplicated().sum() == 0
    assert 90 not in frame["account_id"].to_list()


def test_signals_are_ranked_risks_first_then_severity(book):
    frame = signals.firing(book, Filters(stages=()))
    keys = [(0 if k == "risk" else 1, -s) for k, s in zip(frame["kind"], frame["severity"])]
    assert keys == sorted(keys)


def test_health_breakdown_spreads_the_missing_weight(book):
    parts = {r["component"]: r for r in account.health_breakdown(book, 95).iter_rows(named=True)}
    assert parts["sentiment_score"]["value"] is None and parts["sentiment_score"]["effective_weight"] == 0
    # usage 0.5 and onboarding 0.2 carry 0.5/0.7 and 0.2/0.7 of the score
    assert parts["usage_score"]["effective_weight"] == pytest.approx(0.5 / 0.7)
    assert parts["onboarding_score"]["effective_weight"] == pytest.approx(0.2 / 0.7)
    score = sum(p["points"] for p in parts.values() if p["points"] is not None)
    assert score == pytest.approx(0.5 / 0.7 * 40 + 0.2 / 0.7 * 90)
    head = account.header(book, 95)
    assert head["health_drag"] == "Usage"  # 0.5 x 60 lost beats 0.2 x 10
    assert head["health_drag_points"] == pytest.approx(0.5 / 0.7 * 60)
    assert head["health_score"] - head["health_score_4w_ago"] == pytest.approx(-10)


def test_health_history_adds_each_components_points_up_to_the_score(book):
    history = account.health_contributions(book, 95)
    points = {(r["day"], r["label"]): r["points"] for r in history.iter_rows(named=True)}
    # today: sentiment has no data, so usage and onboarding carry 0.5/0.7 and 0.2/0.7
    assert points[(AS_OF, "Usage")] == pytest.approx(0.5 / 0.7 * 40)
    assert points[(AS_OF, "Onboarding")] == pytest.approx(0.2 / 0.7 * 90)
    assert (AS_OF, "Sentiment") not in points
    # four weeks ago all three had data: weights as given
    before = AS_OF - days(28)
    assert [points[(before, c)] for c in ("Onboarding", "Sentiment", "Usage")] == \
        pytest.approx([0.2 * 70, 0.3 * 80, 0.5 * 60])


def test_my_accounts_holds_only_the_chosen_csms_book(book):
    mine = my_accounts.book(book, Filters(csm_ids=(2,)))
    assert mine["account_id"].to_list() == [95]
    theirs = my_accounts.book(book, Filters(csm_ids=(1,)))
    assert 95 not in theirs["account_id"].to_list() and theirs.height > 20


def test_my_accounts_puts_signalled_accounts_first_and_says_why(book):
    rows = my_accounts.book(book, Filters(csm_ids=(1,))).iter_rows(named=True)
    order = [(r["account_id"], r["why"]) for r in rows]
    top_ids = [a for a, _ in order[:2]]
    assert set(top_ids) == {10, 20}  # the severity-3 risks
    why = dict(order)
    assert d.SIGNAL_RULES["usage_drop"].short in why[10]
    assert why[11] in (None, "")  # nothing fires: nothing to explain


def test_each_signal_has_its_own_few_words_for_the_why_column():
    shorts = [rule.short for rule in d.SIGNAL_RULES.values()]
    assert len(set(shorts)) == len(shorts)
    assert all(len(rule.short) <= min(len(rule.label), 17) for rule in d.SIGNAL_RULES.values())
