"""Every metric and classification of domain.md, defined once as an SQL expression.

Queries compose these; pages show `DEFINITIONS` as tooltips, so what a tile says is what the SQL
does. Thresholds are plain numbers here (not user input), inlined into the SQL text.
"""

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
LIFECYCLE_STAGES = ["onboarding", "adoption", "renewal", "churned"]
LIVE_STAGES = ["onboarding", "adoption", "renewal"]
ACTIVITY_TIERS = ["heavy", "normal", "light", "inactive", "abandoned"]
SEGMENTS = ["high_touch", "mid_market", "smb", "tech_touch"]
SEGMENT_LABELS = {"high_touch": "High-touch", "mid_market": "Mid-market", "smb": "SMB", "tech_touch": "Tech-touch"}


def health_band(score: str) -> str:
    return (f"case when {score} is null then 'no score' when {score} < {RED_BELOW} then 'red' "
            f"when {score} < {GREEN_FROM} then 'yellow' else 'green' end")


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
    "lifecycle_stage": f"onboarding: first {ONBOARDING_DAYS} days of a new or win-back relationship; renewal: "
                       f"fewer than {RENEWAL_WINDOW_DAYS} days left in the current term (or past due and still "
                       f"open); adoption: in between; churned: no live term.",
    "activity_tier": f"Weekday active users over the last 30 days / licensed seats: heavy >= {HEAVY_FROM:.0%}, "
                     f"normal >= {NORMAL_FROM:.0%}, light >= {LIGHT_FROM:.0%}, inactive below; abandoned: "
                     f"no active user for {ABANDONED_AFTER_DAYS} days.",
}
