"""Every metric and classification of domain.md, defined once as an SQL expression.

Queries compose these; pages show `DEFINITIONS` as tooltips, so what a tile says is what the SQL
does. Thresholds are plain numbers here (not user input), inlined into the SQL text.
"""
import calendar
import datetime as dt
from dataclasses import dataclass

from queries import labels


# Health bands (score 0-100)
RED_BELOW = 40
GREEN_FROM = 70

# Lifecycle (days): onboarding from the start of the relationship, renewal before the term ends
ONBOARDING_DAYS = 90
RENEWAL_WINDOW_DAYS = 90

# Activity tiers: weekday active users over the last 30 days / licensed seats
HEAVY_FROM = 0.70
NORMAL_FROM = 0.40
LIGHT_FROM = 0.15
ABANDONED_AFTER_DAYS = 30

HEALTH_BANDS = ["red", "yellow", "green", "no score"]
PERIOD_GRAINS = ("month", "quarter", "year")  # date_trunc units a page may group by (allow-list)
LIST_LIMIT = 1000  # account lists show the most urgent rows; tiles count all of them
LIFECYCLE_STAGES = ["onboarding", "adoption", "renewal", "churned"]
LIVE_STAGES = ["onboarding", "adoption", "renewal"]
ACTIVITY_TIERS = ["heavy", "normal", "light", "inactive", "abandoned"]
SEGMENTS = ["high_touch", "mid_market", "smb", "tech_touch"]
SEGMENT_LABELS = labels.SEGMENTS  # the words for every code live in queries/labels.py


def period_grain(grain: str) -> str:
    """A date_trunc unit from the allow-list; anything else is a programming error, never SQL."""
    if grain not in PERIOD_GRAINS:
        raise ValueError(f"unknown period grain: {grain!r}")
    return grain


def period_start(unit: str, day: str) -> str:
    """SQL: the first day of the week or grain (PERIOD_GRAINS) holding the date `day`. Truncated as a
    timestamp without time zone: PostgreSQL's date_trunc of a date goes through timestamptz and the
    session's time zone row by row, a fifth of a weekly count over 450k daily rows at 200k accounts."""
    unit = "week" if unit == "week" else period_grain(unit)
    return f"cast(date_trunc('{unit}', cast({day} as timestamp)) as date)"


def health_band(score: str) -> str:
    return (f"case when {score} is null then 'no score' when {score} < {RED_BELOW} then 'red' "
            f"when {score} < {GREEN_FROM} then 'yellow' else 'green' end")


def health_change_4w(s: str) -> str:
    """The 4-week change of an account's health as a whole number, halves rounded up (-70.5 -> -70),
    the same on both engines, so every table and tile shows the same figure."""
    return f"floor({s}.health_score - {s}.health_score_4w_ago + 0.5)"


def seat_utilisation(s: str) -> str:
    return f"cast({s}.weekday_active_users_30d as double precision) / nullif({s}.licensed_seats_30d, 0)"


def lifecycle_stage(s: str) -> str:
    """From the current term, not a fixed 365 days (multi-year and mid-term contracts exist)."""
    return (f"case when not {s}.is_live then 'churned' "
            f"when {s}.as_of - {s}.customer_since < {ONBOARDING_DAYS} then 'onboarding' "
            f"when {s}.term_end - {s}.as_of < {RENEWAL_WINDOW_DAYS} then 'renewal' "
            f"else 'adoption' end")


def activity_tier(s: str) -> str:
    util = seat_utilisation(s)
    return (f"case when not {s}.is_live then null "
            f"when {s}.last_active_day is null or {s}.last_active_day <= {s}.as_of - {ABANDONED_AFTER_DAYS} "
            f"then 'abandoned' "
            f"when {util} >= {HEAVY_FROM} then 'heavy' when {util} >= {NORMAL_FROM} then 'normal' "
            f"when {util} >= {LIGHT_FROM} then 'light' else 'inactive' end")


# Aggregates over the scoped accounts (see queries/scope.py), reused by every page.
ACCOUNTS = "count(*)"
ARR = "coalesce(sum(arr), 0)"
AVG_HEALTH = "avg(health_score)"
AT_RISK_ARR = "coalesce(sum(case when health_band = 'red' then arr else 0 end), 0)"
GREEN_SHARE = ("cast(sum(case when health_band = 'green' then 1 else 0 end) as double precision) "
               "/ nullif(sum(case when health_score is not null then 1 else 0 end), 0)")

DEFINITIONS = {
    "accounts": "Accounts in scope: with a live contract term (or a renewal still open), after the filters.",
    "arr": "Annual recurring revenue of the live term of each account in scope.",
    "avg_health": f"Mean of the latest weekly health score (0-100) of the accounts in scope. Bands: red below "
                  f"{RED_BELOW}, yellow {RED_BELOW}-{GREEN_FROM - 1}, green {GREEN_FROM} and above.",
    "at_risk_arr": f"ARR of accounts whose latest health score is red (below {RED_BELOW}).",
    "green_share": f"Share of scored accounts in the green band (score {GREEN_FROM} or above).",
    "health_band": f"red < {RED_BELOW} <= yellow < {GREEN_FROM} <= green; 'no score' when no snapshot exists yet.",
    "health_drag": "The health component that costs the score the most points: its weight times what it lacks "
                   "of 100. A component with no data is left out and its weight spread over the others. The "
                   "account page shows every component.",
    "lifecycle_stage": f"onboarding: first {ONBOARDING_DAYS} days of a new or win-back relationship; renewal: "
                       f"fewer than {RENEWAL_WINDOW_DAYS} days left in the current term (or past due and still "
                       f"open); adoption: in between; churned: no live term.",
    "activity_tier": f"Weekday active users over the last 30 days / licensed seats: heavy >= {HEAVY_FROM:.0%}, "
                     f"normal >= {NORMAL_FROM:.0%}, light >= {LIGHT_FROM:.0%}, inactive below; abandoned: "
                     f"no active user for {ABANDONED_AFTER_DAYS} days.",
    "change": f"Turned red: red now (below {RED_BELOW}), not red on that day's snapshot. Signal started: a rule "
              f"firing now that began to hold after that day. Renewal window opened: the open renewal came within "
              f"{RENEWAL_WINDOW_DAYS} days of its due date. Flag assigned: an open flag the book's owner owns, "
              f"raised for or reassigned to them. NPS answer: a survey answered.",
}

# --- Renewals and retention -------------------------------------------------------------------
# Over rows that carry r.outcome, r.renewals (how many renewals the row stands for: 1 on a row of
# renewals_as_of, the count on a row of the renewals_monthly rollup) and the ARR columns summed over
# them (arr_up, arr_renewed, arr_kept: the renewed ARR up to the ARR up). A renewal belongs to the
# period of its due date (the term's end); rates count decided renewals, open ones are reported beside them.
DECIDED = "sum(case when outcome is not null then renewals else 0 end)"
RENEWED = "sum(case when outcome = 'renewed' then renewals else 0 end)"
CHURNED = "sum(case when outcome = 'churned' then renewals else 0 end)"
STILL_OPEN = "sum(case when outcome is null then renewals else 0 end)"
ARR_UP = "coalesce(sum(case when outcome is not null then arr_up end), 0)"
LOGO_RENEWAL_RATE = f"cast({RENEWED} as double precision) / nullif({DECIDED}, 0)"
GRR = ("sum(case when outcome is not null then arr_kept end) "
       "/ nullif(sum(case when outcome is not null then arr_up end), 0)")
NRR = ("sum(case when outcome is not null then arr_renewed end) "
       "/ nullif(sum(case when outcome is not null then arr_up end), 0)")

DUE_WINDOWS = ["overdue", "0-30 days", "31-60 days", "61-90 days", "91-120 days"]
FUNNEL_HORIZON_DAYS = 120


def due_window(days_to_due: str) -> str:
    return (f"case when {days_to_due} < 0 then 'overdue' when {days_to_due} <= 30 then '0-30 days' "
            f"when {days_to_due} <= 60 then '31-60 days' when {days_to_due} <= 90 then '61-90 days' "
            f"else '91-120 days' end")


def renewal_still_open(r: str) -> str:
    """Over rows of `renewals_as_of`: the renewal is still open on the as-of day (undecided, or
    decided after it). The contract_terms mart decides it once (renewal_open, from renewals_as_of)
    and the renewals_open mart lists those renewals; this reads them there."""
    return f"exists (select 1 from renewals_open as open_r where open_r.renewal_id = {r}.renewal_id)"


def arr_holds_at_close(c: str, day: str) -> str:
    """Over rows of the arr_changes_daily mart: the row's arr_after is the account's ARR at the close
    of `day` (its change on or before the day, the next one after it). When a term's ARR is on the
    books at a close (end dates inclusive, grace while a renewal is open, a churned term gone at the
    close of its last day, so a term churning on a period's last day is a churn of that period,
    once, and never opens the next) is decided there, once (dbt macro carries_arr_at_close)."""
    return f"({c}.day <= {day} and ({c}.next_change_day is null or {c}.next_change_day > {day}))"


def bridge_expansion(start_arr: str, end_arr: str, churned_and_back: str) -> str:
    """The ARR bridge's expansion of one account between two closes: it had ARR before and more
    after, and did not churn and come back in between (that is a churn plus a new). The bridge
    (queries/retention.py) takes it over a period; CSM outcomes (queries/csm_outcomes.py) over each
    day an account's ARR changes (arr_changes_daily), so each rise can be credited to sales or to
    the CSM."""
    return (f"case when {start_arr} > 0 and {end_arr} > {start_arr} and not ({churned_and_back}) "
            f"then {end_arr} - {start_arr} else 0 end")


# Who an expansion is credited to (the domain's rule): a rise soon after the deal was signed is the
# sales team's (the deal was sold that big); from this many months after the signing of the
# account's current relationship (its newest new or win-back term) on, it is the CSM's. One setting
# for the company, between 3 and 12 months by its deal size (bigger deals take longer to land).
# An expansion exactly this many months after signing (same day of the month, or the month's last
# day when it is shorter) is the CSM's; the day before is still sales'.
EXPANSION_CREDIT_AFTER_MONTHS = 6


def credited_to_csm(day: str, signed_on: str) -> str:
    """Over an expansion on `day` of a relationship signed on `signed_on` (null: signed before the
    contract history the warehouse keeps, so long ago): the CSM earned it."""
    return (f"({signed_on} is null or {day} >= "
            f"cast({signed_on} + interval '{EXPANSION_CREDIT_AFTER_MONTHS} months' as date))")


DEFINITIONS.update({
    "logo_renewal_rate": "Accounts renewed / accounts whose term ended (renewal due) in the period and was "
                         "decided. Open renewals are shown beside it, not counted.",
    "grr": "Gross revenue retention, the pure renewal rate: renewed ARR, each capped at the ARR up for renewal "
           "(expansion excluded), / ARR up for renewal, over decided renewals due in the period.",
    "nrr": "Net revenue retention: renewed ARR including expansion / ARR up for renewal, over decided renewals "
           "due in the period. Shown beside GRR, never instead of it.",
    "churn_rate": "Accounts lost in the period (ARR at the start and none at the end, or a churn in the period "
                  "before a win-back) / accounts with ARR at the start of the period. A term carries ARR through "
                  "its end date: one that churns on the period's last day is lost in that period.",
    "arr_bridge": "Start ARR (close of the day before the period) + new + expansion - contraction - churn = end "
                  "ARR (close of the period's last day). Each account is compared start vs end: new = from 0, churn = to "
                  "0. An account that churned in the period and is back by its end counts as churn (its start "
                  "ARR) plus new (its end ARR), not as a net change.",
    "due_window": f"Open renewals by days until the term's end; overdue = past the end date and still open. "
                  f"Horizon: {FUNNEL_HORIZON_DAYS} days.",
    "cohort_retention": "Accounts grouped by the quarter their first contract started. Logo retention: share "
                        "still live N months after their own start; ARR retention: their ARR then / their ARR "
                        "at start (expansion included). A cell appears once every account of the cohort is "
                        "that old.",
    "csm_expansion_arr": f"Expansion credited to the CSM: each rise in an account's ARR on a day a contract term "
                         f"starts (an upsell or a renewal at a higher ARR), by the ARR bridge's rule applied to that "
                         f"day, {EXPANSION_CREDIT_AFTER_MONTHS} months or more after the current relationship was "
                         f"signed (its first or win-back term; an account whose signing predates the warehouse's "
                         f"contract history counts as long signed). Each rise counts on its own (the bridge nets a "
                         f"whole period).",
    "sales_expansion_arr": f"Expansion in the first {EXPANSION_CREDIT_AFTER_MONTHS} months after the relationship "
                           f"was signed: credited to sales, not to the CSM, and left out of the CSM's figure.",
})

# --- Onboarding, NPS, activity movement -----------------------------------------------------------
# Milestone state on the snapshot day, over rows of the onboarding_milestones_as_of mart (m: a completion
# after the as-of day is not known there yet) and the snapshot day.
def milestone_state(m: str, as_of: str) -> str:
    return (f"case when {m}.completed_date is not null and {m}.completed_date <= {m}.due_date then 'on_time' "
            f"when {m}.completed_date is not null then 'late' "
            f"when {m}.due_date < {as_of} then 'overdue' else 'not_due' end")


ON_TIME_RATE = ("cast(sum(case when state = 'on_time' then 1 else 0 end) as double precision) "
                "/ nullif(sum(case when state <> 'not_due' then 1 else 0 end), 0)")

# NPS over rows of a `score` (null = no answer) and the number of `surveys` that gave it: 1 for a
# row of nps_responses, the count for a row of the nps_monthly rollup, so both sum alike
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6
SMALL_SAMPLE_BELOW = 10


def small_sample(n: str) -> str:
    """SQL: the figure stands on fewer than SMALL_SAMPLE_BELOW renewals, answers or accounts (`n`);
    false when `n` is null (pass a coalesce where none counts as a small sample)."""
    return f"case when {n} < {SMALL_SAMPLE_BELOW} then true else false end"
SURVEYS_SENT = "sum(surveys)"
RESPONSES = "sum(case when score is not null then surveys else 0 end)"
PROMOTERS = f"sum(case when score >= {PROMOTER_FROM} then surveys else 0 end)"
PASSIVES = f"sum(case when score > {DETRACTOR_UP_TO} and score < {PROMOTER_FROM} then surveys else 0 end)"
DETRACTORS = f"sum(case when score <= {DETRACTOR_UP_TO} then surveys else 0 end)"
NPS = f"100.0 * ({PROMOTERS} - {DETRACTORS}) / nullif({RESPONSES}, 0)"
RESPONSE_RATE = f"cast({RESPONSES} as double precision) / nullif({SURVEYS_SENT}, 0)"

DEFINITIONS.update({
    "milestone_state": "on time: completed on or before its due date (even if that date is still ahead); late: "
                       "completed after it; overdue: not completed and past due; not due yet: neither.",
    "on_time_rate": "Milestones completed on time / milestones completed or past due. 'not due yet' when none "
                    "of the cohort's milestones has come due.",
    "time_to_value": "Days from the start of the onboarding term to the completed go-live milestone (day-30 "
                     "milestone); median over accounts that have gone live.",
    "nps": f"% promoters ({PROMOTER_FROM}-10) minus % detractors (0-{DETRACTOR_UP_TO}) among answered surveys. "
           f"A survey belongs to the period it was sent in. Fewer than {SMALL_SAMPLE_BELOW} answers: marked small.",
    "response_rate": "Answered surveys / surveys sent in the period.",
    "tier_movement": "Each account's activity tier 90 days before the data date against its tier now, by the "
                     "same definition (weekday active users over the previous 30 days / licensed seats).",
})

# --- CSM workload -------------------------------------------------------------------------------
# Target book per CSM by segment (domain.md); tech-touch is one pooled programme, so no target.
BOOK_TARGETS = {"high_touch": 25, "mid_market": 50, "smb": 150}
ARR_COVERAGE_TARGET = 2_000_000
OVERLOADED_FROM = 1.10  # share of target
UNDERLOADED_BELOW = 0.90


def book_target(segment: str) -> str:
    cases = " ".join(f"when '{s}' then {n}" for s, n in BOOK_TARGETS.items())
    return f"case {segment} {cases} end"


def load_status(book_load: str, arr_load: str) -> str:
    """over / under / on target against the segment's targets; 'pooled' when there is no book target
    (tech-touch), judged then on ARR alone."""
    book = f"coalesce({book_load}, {arr_load})"
    return (f"case when greatest({book}, {arr_load}) >= {OVERLOADED_FROM} then 'over' "
            f"when least({book}, {arr_load}) < {UNDERLOADED_BELOW} then 'under' "
            f"when {book_load} is null then 'pooled' else 'on target' end")


def load_of(book_load: float | None, arr_load: float) -> str:
    """load_status for one book in Python (the rebalancer's), so a CSM reads the same on the Team
    table and in the rebalancing suggestions; labels.LOADS has the words."""
    book = arr_load if book_load is None else book_load
    if max(book, arr_load) >= OVERLOADED_FROM:
        return "over"
    if min(book, arr_load) < UNDERLOADED_BELOW:
        return "under"
    return "pooled" if book_load is None else "on target"


DEFINITIONS.update({
    "imbalance": "How far the segment's CSMs are from target, in percentage points of target, summed: for each "
                 "CSM |accounts / target - 1| + |ARR / ARR target - 1|. 0 = everyone exactly on target; a CSM "
                 "with 20% too many accounts and ARR on target adds 20 points.",
    "book_target": "Target accounts per CSM: " + ", ".join(f"{SEGMENT_LABELS[s]} {n}" for s, n in BOOK_TARGETS.items())
                   + f"; tech-touch is pooled (no target, judged on ARR alone). Over target: accounts or ARR at "
                   f"{OVERLOADED_FROM:.0%} of target or more; under target: accounts or ARR below "
                   f"{UNDERLOADED_BELOW:.0%} (over wins); on target otherwise. The rebalancing uses the same words.",
    "arr_target": f"Target ARR coverage per CSM: ${ARR_COVERAGE_TARGET / 1e6:.0f}M (live ARR in the CSM's book).",
    "renewable_arr": "ARR of accounts whose current term ends within the next N days (or has ended with the "
                     "renewal still open).",
    "at_risk_arr_csm": f"ARR of accounts that are red (health below {RED_BELOW}) or have an open risk flag.",
})

# --- Outcomes per CSM (Team page): real money beside activity ---------------------------------
# The warehouse keeps only each account's current CSM (accounts.csm_id; no assignment history), so
# a CSM's renewals and expansions are those of the accounts in their book today.
OUTCOME_QUARTERS = 4  # the last full quarters the Team page judges outcomes over

DEFINITIONS.update({
    "csm_outcomes_book": "By the current book: the warehouse keeps only each account's CSM today, not who owned it "
                         "when a renewal was decided, so a CSM's outcomes are those of the accounts they hold now "
                         "(renewals decided before a hand-over included). Team: the team of that CSM.",
    "renewal_sample": f"Fewer than {SMALL_SAMPLE_BELOW} decided renewals: marked small, read the rates with care. "
                      f"No decided renewal: no rate (–), not 0%.",
})


# --- Signals (domain.md): one config place for every rule's threshold ---------------------------
# Each rule says which evidence fired, its value against its threshold, and since when; queries/
# signals.py turns them into SQL. Severity 3 = act today, 2 = this week, 1 = keep an eye on it.
USAGE_DROP_BELOW = 0.25          # key events, last 7 days vs the account's own 90-day baseline
SEAT_LIMIT_FROM = 0.80           # weekday active users / licensed seats, last 30 days
TICKET_BURST_FROM = 5            # tickets opened in the last 7 days
DETRACTOR_WITHIN_DAYS = 180      # a detractor answer counts this long
WEAK_NEW_USER_VIEWS_BELOW = 3    # page views in a new user's first 7 days
NEW_USER_WINDOW_DAYS = 30        # users whose first week ended in the last N days
SUDDEN_DROP_TO = 0.50            # weekday active users, last 7 days vs the 28 days before
SUDDEN_DROP_MIN_USERS = 3        # below this many active users a drop is noise
# The look-back windows of the measures the marts hold for these rules (days). The marts compute
# them, so they reach dbt as vars (dbt_vars below); the columns are named for these defaults
# (key_events_7d, weekday_active_users_prev_28d, tickets_7d, weekday_active_users_30d).
RECENT_DAYS = 7                  # usage and tickets "in the last 7 days"
USAGE_BASELINE_DAYS = 90         # key events: the account's own baseline, the 90 days before the recent ones
SUDDEN_DROP_PRIOR_DAYS = 28      # weekday active users: the 28 days before the recent ones
SEAT_WINDOW_DAYS = 30            # weekday active users and licensed seats (seat limit, activity tiers)
NEW_USER_FIRST_WEEK_DAYS = 7     # the contract's page_views_first_7d: a new user's first week


# A risk flag is a follow-up: unless its writer names a date, it is due this many days after it is
# raised, sooner the more severe (3 high, 2 medium, 1 low).
FLAG_DUE_DAYS = {3: 3, 2: 7, 1: 14}

# Touches a CSM or lead logs from the account page (the app's own `touches` table), beside the
# warehouse's cs_activities (for conversations the CRM's feed does not carry). All but a note are
# conversations with the customer, and count toward last touch and cadence (queries.scope).
TOUCH_KINDS = labels.TOUCH_KINDS


def logged_conversation(t: str) -> str:
    """Over logged touches: the ones that were a conversation with the customer (not a note)."""
    return f"{t}.kind <> 'note'"

# Last touch: days since the last conversation (a call, meeting, visit, business review or training;
# emails do not count), too long when over the segment's limit (tighter for high-touch). Tech-touch
# accounts are served one-to-many, so silence there is not a signal.
TOUCH_LIMIT_DAYS = {"high_touch": 21, "mid_market": 45, "smb": 90}
CHAMPION_LEFT_WITHIN_DAYS = 90   # a champion or tier-S contact who left this recently
BUSINESS_CHANGE_WITHIN_DAYS = 90  # an acquisition, layoffs, a new executive or a funding cut this recent
# An onboarding survey (1-5) answered after a slip and scoring above this clears the slip's signals:
# the customer says the project recovered.
SURVEY_CLEARS_SLIP_ABOVE = 4
BUSINESS_EVENT_LABELS = {"acquired": "Acquired", "layoffs": "Layoffs", "leadership_change": "Leadership change",
                         "funding_cut": "Funding cut"}


def slip_cleared_by_survey(best_score_after_slip: str) -> str:
    """The best onboarding survey answered after the slip (by the as-of day; null when none was,
    see the onboarding_signal_inputs mart) scored above SURVEY_CLEARS_SLIP_ABOVE."""
    return f"coalesce({best_score_after_slip} > {SURVEY_CLEARS_SLIP_ABOVE}, false)"


def last_conversation(s: str, logged: str) -> str:
    """The latest conversation: the snapshot's (the warehouse's activities) or the latest one
    logged in the app (`logged`, a timestamp or null), whichever is later."""
    return f"greatest({s}.last_conversation_at, {logged})"


def days_since_touch(s: str, logged: str) -> str:
    """Over snapshot rows: days since the last conversation (last_conversation), or since the
    relationship (else the term) began when there has been none. A touch logged after the
    snapshot's day counts as today's: 0 days."""
    last = f"cast({last_conversation(s, logged)} as date)"
    return f"greatest({s}.as_of - coalesce({last}, {s}.customer_since, {s}.term_start), 0)"


def touch_limit(segment: str) -> str:
    """The segment's limit in days; null (never too long) for tech-touch."""
    cases = " ".join(f"when '{seg}' then {days}" for seg, days in TOUCH_LIMIT_DAYS.items())
    return f"case {segment} {cases} end"


def too_long_without_touch(s: str) -> str:
    """Over in_scope rows (days_since_touch, segment): the silence passed the segment's limit."""
    return f"{s}.days_since_touch > {touch_limit(f'{s}.segment')}"


# Business reviews and on-site visits expected per account per quarter, by segment (seed 004: the
# 90-day business review; visits for the largest accounts).
CADENCE_PER_QUARTER = {
    "high_touch": {"business_review": 1.0, "onsite_visit": 1.0},
    "mid_market": {"business_review": 1.0, "onsite_visit": 0.25},
    "smb": {"business_review": 0.0, "onsite_visit": 0.0},
    "tech_touch": {"business_review": 0.0, "onsite_visit": 0.0},
}


def cadence(segment: str, kind: str) -> str:
    cases = " ".join(f"when '{seg}' then {c[kind]}" for seg, c in CADENCE_PER_QUARTER.items())
    return f"case {segment} {cases} else 0 end"


DEFINITIONS.update({
    "days_since_touch": "Days since the last conversation with the account: a call, meeting, on-site visit, "
                        "business review or training (emails do not count); since the start of the "
                        "relationship if there has been none. Too long: over "
                        + ", ".join(f"{SEGMENT_LABELS[s]} {n}" for s, n in TOUCH_LIMIT_DAYS.items()) + " days; tech-touch "
                        "accounts are served one-to-many and have no limit.",
    "cadence": "Business reviews and on-site visits due per account each quarter: "
               + "; ".join(f"{SEGMENT_LABELS[s]} {c['business_review']:g} review(s), {c['onsite_visit']:g} visit(s)"
                           for s, c in CADENCE_PER_QUARTER.items()) + ". Due so far: in proportion to the days "
               "of the quarter gone by.",
})


@dataclass(frozen=True)
class SignalRule:
    label: str
    kind: str       # risk | opportunity
    severity: int   # 1-3
    rule: str       # what fires it, in words, with its threshold
    short: str      # two or three words, for My accounts' 'Why it is here', where several share a cell


SIGNAL_RULES = {
    "usage_drop": SignalRule(
        "Usage below baseline", "risk", 3,
        f"Key events per day over the last 7 days below {USAGE_DROP_BELOW:.0%} of the account's own average "
        f"over the 90 days before.", short="usage down"),
    "sudden_drop": SignalRule(
        "Sudden activity drop", "risk", 3,
        f"Weekday active users over the last 7 days at or below {SUDDEN_DROP_TO:.0%} of their average over the "
        f"28 days before (accounts with at least {SUDDEN_DROP_MIN_USERS} active users).", short="activity drop"),
    "ticket_burst": SignalRule(
        "Support ticket burst", "risk", 2,
        f"{TICKET_BURST_FROM} or more support tickets opened in the last 7 days.", short="ticket burst"),
    "nps_detractor": SignalRule(
        "NPS detractor", "risk", 2,
        f"A contact's latest NPS answer scored 0-{DETRACTOR_UP_TO}, answered in the last {DETRACTOR_WITHIN_DAYS} "
        f"days (whatever colleagues answered since): contact the customer within days.", short="detractor"),
    "milestone_overdue": SignalRule(
        "Onboarding milestone overdue", "risk", 2,
        f"A milestone of the relationship's onboarding came due in the last {ONBOARDING_DAYS} days and is not "
        f"completed (an upsell during onboarding does not reset it), unless an onboarding survey answered after "
        f"the latest missed due date scored above {SURVEY_CLEARS_SLIP_ABOVE} of 5.", short="milestone overdue"),
    "go_live_slipped": SignalRule(
        "Go-live slipped", "risk", 2,
        f"During onboarding (first {ONBOARDING_DAYS} days), the company-wide go-live was completed after its "
        f"due date, unless an onboarding survey answered after the slip scored above {SURVEY_CLEARS_SLIP_ABOVE} "
        f"of 5.", short="go-live slipped"),
    "weak_new_users": SignalRule(
        "New users not adopting", "risk", 1,
        f"Users whose first week ended in the last {NEW_USER_WINDOW_DAYS} days with fewer than "
        f"{WEAK_NEW_USER_VIEWS_BELOW} page views in it.", short="new users idle"),
    "champion_left": SignalRule(
        "Champion left", "risk", 3,
        f"A contact marked as champion, or a tier-S decision maker, left the company in the last "
        f"{CHAMPION_LEFT_WITHIN_DAYS} days: a leading cause of churn.", short="champion left"),
    "business_change": SignalRule(
        "Business change", "risk", 2,
        f"The CRM recorded an acquisition, layoffs, a leadership change or a funding cut at the customer in the "
        f"last {BUSINESS_CHANGE_WITHIN_DAYS} days: budgets and sponsors move.", short="business change"),
    "no_recent_touch": SignalRule(
        "No touch in too long", "risk", 2,
        "No conversation for longer than the segment allows: "
        + ", ".join(f"{SEGMENT_LABELS[s]} {n}" for s, n in TOUCH_LIMIT_DAYS.items())
        + " days (emails do not count; tech-touch has no limit).", short="no touch"),
    "seat_limit": SignalRule(
        "Near seat limit", "opportunity", 1,
        f"Weekday active users over the last 30 days at {SEAT_LIMIT_FROM:.0%} or more of licensed seats: "
        f"an expansion opportunity.", short="near seat limit"),
}

# --- Score check: did the health score and the signals foretell the renewals that followed? -------
# Over decided renewals due in the last SCORE_CHECK_QUARTERS (rolling, up to the data date), each
# account's health as it stood SCORE_CHECK_LEAD_DAYS before the due date, against the outcome.
SCORE_CHECK_QUARTERS = (4, 5, 6, 7, 8)      # the first is the default
SCORE_CHECK_LEAD_DAYS = (90, 30, 180)       # the first is the default
SCORE_CHECK_SCORE_MAX_AGE_DAYS = 14         # the score looked at is at most this old on the look day


def dbt_vars(as_of: dt.date | None = None) -> dict:
    """The vars the app's builds pass to `dbt build` (the dbt project's defaults in
    transform/dbt_project.yml are held equal to these by a test): the measures' windows above, the
    bars of the events the snapshot keeps the latest day of (a detractor, a weak first week), and
    the Score check's look-backs, from their one home here, and the as-of day (None: the newest
    health snapshot day)."""
    return {
        "cs_cockpit_as_of": as_of.isoformat() if as_of else None,
        "cs_cockpit_recent_days": RECENT_DAYS,
        "cs_cockpit_usage_baseline_days": USAGE_BASELINE_DAYS,
        "cs_cockpit_sudden_drop_prior_days": SUDDEN_DROP_PRIOR_DAYS,
        "cs_cockpit_sudden_drop_min_users": SUDDEN_DROP_MIN_USERS,
        "cs_cockpit_detractor_up_to": DETRACTOR_UP_TO,
        "cs_cockpit_weak_new_user_views_below": WEAK_NEW_USER_VIEWS_BELOW,
        "cs_cockpit_new_user_first_week_days": NEW_USER_FIRST_WEEK_DAYS,
        "cs_cockpit_seat_window_days": SEAT_WINDOW_DAYS,
        "cs_cockpit_score_check_lead_days": list(SCORE_CHECK_LEAD_DAYS),
        "cs_cockpit_score_check_score_max_age_days": SCORE_CHECK_SCORE_MAX_AGE_DAYS,
    }


def score_check_start(as_of, quarters: int):
    """The first due date a score check of `quarters` rolling quarters counts: the day after the
    same calendar day 3 x quarters months before the data date (the end of month when it has none)."""
    if quarters not in SCORE_CHECK_QUARTERS:
        raise ValueError(f"unknown score-check span: {quarters!r}")
    month = as_of.month - 3 * quarters
    year, month = as_of.year + (month - 1) // 12, (month - 1) % 12 + 1
    day = min(as_of.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=1)


def bad_outcome(r: str) -> str:
    """Over renewals rows: the renewal was lost or shrank (churned, or renewed for less ARR)."""
    return f"({r}.outcome = 'churned' or ({r}.outcome = 'renewed' and {r}.arr_renewed < {r}.arr_up))"


# The score-check rules evaluated over history, with the reason each other rule is not.
SCORE_CHECK_RULES = ("usage_drop", "sudden_drop", "ticket_burst", "nps_detractor", "champion_left",
                     "business_change")
SCORE_CHECK_RULES_NOT_COVERED = {
    "milestone_overdue": "fires only in a relationship's first 90 days (onboarding), never in the days before "
                         "a renewal of a 12-month or longer term",
    "go_live_slipped": "fires only during onboarding, as above",
    "weak_new_users": "reads users' first weeks, which the warehouse keeps only for recent sign-ups",
    "no_recent_touch": "the limit depends on the account's segment today and on touches logged in the app, "
                       "whose history does not say which segment applied then",
    "seat_limit": "an expansion opportunity, not a risk: its precision against churn says nothing",
}

DEFINITIONS.update({
    "score_check": f"Renewals due in the chosen number of rolling quarters up to the data date and decided "
                   f"(renewed or churned; open ones are left out). Each is placed by the account's health "
                   f"score as it stood N days before the due date: the latest weekly score on or before that "
                   f"day and at most {SCORE_CHECK_SCORE_MAX_AGE_DAYS - 1} days older ('no score' otherwise). "
                   f"Bands as everywhere: red < {RED_BELOW} <= yellow < {GREEN_FROM} <= green.",
    "band_spread": "Green's rate minus red's, in percentage points: how much better the accounts the score "
                   "called healthy renewed than those it called at risk. Near zero or negative: the score did "
                   "not tell them apart.",
    "bad_outcome": "Churned, or renewed for less ARR than was up for renewal (a contraction).",
    "quartile_spread": "For each health component, among the renewals whose account had a value for it N days "
                       "before due: the logo renewal rate of the top quartile (value at or above the 75th "
                       "percentile, interpolated) minus that of the bottom quartile (at or below the 25th). "
                       "A component that predicts renewals has a clearly positive spread.",
    "signal_precision": "Of the decided renewals on whose account the rule held on at least one day of the N "
                        "days before due (the due date itself excluded), the share that churned or contracted.",
    "signal_recall": "Of the decided renewals that churned (among those the rule could be evaluated on), the "
                     "share on whose account the rule held in the N days before due.",
    "signal_evaluated": "Renewals the rule can be judged on: for the usage rules, those whose N days before due "
                        f"and the baseline before them ({RECENT_DAYS + USAGE_BASELINE_DAYS} days) lie inside the usage history the warehouse "
                        "keeps; for the others, every decided renewal in the span.",
})

# --- The renewal forecast CSMs record (the app's renewal_forecasts table) ------------------------
# A CSM (or their lead) records a category and the ARR they expect on an open renewal; every change
# is a new version. Commit and likely call a renewal, at risk and will churn call a churn: accuracy
# compares the call with the outcome, and the expected ARR with the renewed ARR.
FORECAST_CATEGORIES = list(labels.CSM_FORECASTS)  # commit, likely, at_risk, will_churn
NO_FORECAST = "no_forecast"
FORECAST_CALLS_RENEWAL = ("commit", "likely")
FORECAST_CALLS_CHURN = ("at_risk", "will_churn")
# Accuracy looks at the latest forecast recorded on or before the day k weeks before the due date.
FORECAST_WEEKS_BEFORE_DUE = (0, 2, 4, 8, 13)


def _codes(codes) -> str:
    return ", ".join(f"'{c}'" for c in codes)


def forecast_calls_renewal(category: str) -> str:
    return f"{category} in ({_codes(FORECAST_CALLS_RENEWAL)})"


def forecast_calls_churn(category: str) -> str:
    return f"{category} in ({_codes(FORECAST_CALLS_CHURN)})"


def forecast_cutoff(due_date: str, weeks_before: str) -> str:
    """The last day a forecast counts for "k weeks before due": the due date less 7k days, inclusive."""
    return f"{due_date} - 7 * {weeks_before}"


# Over rows of decided renewals with the forecast that stood k weeks before due (`category` and
# `expected_arr` null when there was none), `outcome`, `arr_up`, `arr_renewed`; a row without a
# forecast may stand for several renewals (`renewals`, their ARR summed), a row with one for one.
FORECAST_COVERAGE = "cast(count(category) as double precision) / nullif(sum(renewals), 0)"
FORECAST_HIT_RATE = (f"cast(sum(case when ({forecast_calls_renewal('category')} and outcome = 'renewed') "
                     f"or ({forecast_calls_churn('category')} and outcome = 'churned') then 1 else 0 end) "
                     f"as double precision) / nullif(count(category), 0)")
FORECAST_MISSED_CHURN = (f"sum(case when {forecast_calls_renewal('category')} and outcome = 'churned' "
                         f"then 1 else 0 end)")
FORECAST_FALSE_ALARM = (f"sum(case when {forecast_calls_churn('category')} and outcome = 'renewed' "
                        f"then 1 else 0 end)")
FORECAST_ERROR_SHARE = ("sum(abs(expected_arr - arr_renewed)) "
                        "/ nullif(sum(case when category is not null then arr_up end), 0)")
FORECAST_BIAS = "sum(expected_arr - arr_renewed)"


def _named(codes) -> str:
    return " and ".join(labels.CSM_FORECASTS[c].lower() for c in codes)


DEFINITIONS.update({
    "csm_forecast": f"The latest forecast a CSM or lead recorded on the open renewal "
                    f"({', '.join(labels.CSM_FORECASTS.values()).lower()}), with the ARR they expect it to renew "
                    f"at; '{labels.NO_FORECAST[NO_FORECAST]}' when nobody has recorded one. The CRM's forecast "
                    f"column is shown beside it, unchanged.",
    "expected_arr": "The ARR the latest forecast expects the renewal to bring (0 for a churn), summed over the "
                    "renewals that have a forecast.",
    "forecast_coverage": "Decided renewals that had a CSM forecast k weeks before their due date / decided renewals.",
    "forecast_hit_rate": f"Forecasts whose call matched the outcome ({_named(FORECAST_CALLS_RENEWAL)} that renewed, "
                         f"{_named(FORECAST_CALLS_CHURN)} that churned) / decided renewals with a forecast. The "
                         f"forecast is the latest recorded on or before the day k weeks before the due date; one "
                         f"recorded later (or after the due date) does not count.",
    "forecast_missed_churn": f"Renewals forecast {_named(FORECAST_CALLS_RENEWAL)} that churned.",
    "forecast_false_alarm": f"Renewals forecast {_named(FORECAST_CALLS_CHURN)} that renewed.",
    "forecast_error_share": "How far expected ARR was from renewed ARR: the sum of |expected - renewed| over decided "
                            "renewals with a forecast / their ARR up for renewal. 0 = every forecast exact.",
    "forecast_bias": "Expected ARR minus renewed ARR, summed over decided renewals with a forecast: above 0, the "
                     "forecasts promised more than renewed.",
})
