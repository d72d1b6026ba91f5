"""The warehouse contract as SQLAlchemy Core tables.

One definition serves three readers: the demo generator creates these tables, the tests build
hand-made data in them, and docs/warehouse.md describes them column by column. The app only
reads them; its own write-back tables live apart, in `queries/migrations.py`.
"""
import sqlalchemy as sa

# Bumped when a table or rollup changes shape: the embedded demo's file name carries it, so an
# older demo file is left alone and a current one is generated beside it.
CONTRACT_VERSION = 5

metadata = sa.MetaData()

csms = sa.Table(
    "csms", metadata,
    sa.Column("csm_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("email", sa.String, nullable=False, unique=True),
    sa.Column("team", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),  # csm | lead | leader | ops
    sa.Column("segment", sa.String),  # the segment a CSM covers; null for leads, leader, ops
    sa.Column("manager_id", sa.Integer),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("industry", sa.String, nullable=False),
    sa.Column("employees", sa.Integer, nullable=False),
    sa.Column("segment", sa.String, nullable=False),  # high_touch | mid_market | smb | tech_touch
    sa.Column("plan", sa.String, nullable=False),
    sa.Column("csm_id", sa.Integer),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

contracts = sa.Table(
    "contracts", metadata,
    sa.Column("contract_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("term_type", sa.String, nullable=False),  # new | renewal | winback
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),  # last day of the term, inclusive
    sa.Column("arr", sa.Double, nullable=False),
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False),  # active | renewed | churned
)

renewals = sa.Table(
    "renewals", metadata,
    sa.Column("renewal_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("contract_id", sa.Integer, nullable=False),  # the term being renewed
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("stage", sa.String, nullable=False),
    sa.Column("forecast", sa.String, nullable=False),  # commit | likely | at_risk
    sa.Column("arr_up", sa.Double, nullable=False),
    sa.Column("arr_renewed", sa.Double),  # null while open, 0 when churned
    sa.Column("outcome", sa.String),  # renewed | churned | null while open
    sa.Column("closed_date", sa.Date),
)

usage_daily = sa.Table(
    "usage_daily", metadata,
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("active_users", sa.Integer, nullable=False),
    sa.Column("licensed_seats", sa.Integer, nullable=False),
    sa.Column("page_views", sa.Integer, nullable=False),
    sa.Column("key_events", sa.Integer, nullable=False),
)

health_scores = sa.Table(
    "health_scores", metadata,
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("score", sa.Double, nullable=False),
    # one column per component, 0-100, null when the component has no data that day
    sa.Column("usage_score", sa.Double),
    sa.Column("sentiment_score", sa.Double),
    sa.Column("support_score", sa.Double),
    sa.Column("engagement_score", sa.Double),
    sa.Column("onboarding_score", sa.Double),
)

health_components = sa.Table(
    "health_components", metadata,
    sa.Column("component", sa.String, primary_key=True),  # the column name in health_scores
    sa.Column("label", sa.String, nullable=False),
    sa.Column("weight", sa.Double, nullable=False),
    sa.Column("description", sa.String, nullable=False),
)

onboarding_milestones = sa.Table(
    "onboarding_milestones", metadata,
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("contract_id", sa.Integer, nullable=False),
    sa.Column("milestone", sa.String, nullable=False),
    sa.Column("day_offset", sa.Integer, nullable=False),  # 7 | 14 | 30 | 60 | 90
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("completed_date", sa.Date),
)

nps_responses = sa.Table(
    "nps_responses", metadata,
    sa.Column("survey_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("contact_email", sa.String, nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("responded_at", sa.DateTime),
    sa.Column("score", sa.Integer),
    sa.Column("comment", sa.String),
)

support_tickets = sa.Table(
    "support_tickets", metadata,
    sa.Column("ticket_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("priority", sa.String, nullable=False),  # low | normal | high | urgent
)

user_activations = sa.Table(
    "user_activations", metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("page_views_first_7d", sa.Integer, nullable=False),
)

cs_activities = sa.Table(
    "cs_activities", metadata,
    sa.Column("activity_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("csm_id", sa.Integer),  # who did it (may differ from today's owner)
    # call | email | meeting | onsite_visit | business_review | training
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("happened_at", sa.DateTime, nullable=False),
    sa.Column("outcome", sa.String),  # the CSM's note
)

contacts = sa.Table(
    "contacts", metadata,
    sa.Column("contact_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("email", sa.String, nullable=False),
    sa.Column("title", sa.String),
    sa.Column("tier", sa.String, nullable=False),  # S: decision maker / sponsor, A: key user, B: other
    sa.Column("is_champion", sa.Boolean, nullable=False),
    sa.Column("left_at", sa.Date),  # null while at the company
)

onboarding_surveys = sa.Table(
    "onboarding_surveys", metadata,
    sa.Column("survey_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("contact_email", sa.String, nullable=False),
    sa.Column("answered_on", sa.Date, nullable=False),  # sent after go-live
    sa.Column("score", sa.Integer, nullable=False),  # 1 (poor) .. 5 (excellent)
    sa.Column("comment", sa.String),
)

business_events = sa.Table(
    "business_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),  # acquired | layoffs | leadership_change | funding_cut
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("note", sa.String),  # what the CRM says happened
)

BUSINESS_EVENT_KINDS = ["acquired", "layoffs", "leadership_change", "funding_cut"]

ACTIVITY_KINDS = ["call", "email", "meeting", "onsite_visit", "business_review", "training"]

# Indexes that keep per-account and per-day reads cheap on PostgreSQL (skipped on DuckDB,
# whose zone maps make them unnecessary and whose ART indexes slow bulk loads).
POSTGRES_INDEXES = {
    "accounts": ["csm_id"],
    "contracts": ["account_id, start_date"],
    "renewals": ["account_id", "due_date"],
    "usage_daily": ["account_id, day", "day"],
    "health_scores": ["account_id, day", "day, account_id"],
    "nps_responses": ["account_id", "sent_at"],
    "support_tickets": ["account_id, opened_at"],
    "onboarding_milestones": ["account_id", "contract_id"],
    "user_activations": ["account_id"],
    "cs_activities": ["account_id, happened_at"],
    "contacts": ["account_id"],
    "onboarding_surveys": ["account_id"],
    "business_events": ["account_id, occurred_on"],
}

# Milestones of domain.md: day offset from the start of a new (or win-back) term.
MILESTONES = [
    (7, "kickoff", "Contact made, account initialised"),
    (14, "first_training", "First training delivered"),
    (30, "go_live", "Company-wide go-live"),
    (60, "second_training", "Second training (if needed)"),
    (90, "usage_review", "Usage review"),
]

HEALTH_COMPONENTS = [
    ("usage_score", "Usage & adoption", 0.35, "Share of licensed seats active over the last 30 days, 70% or more scores 100."),
    ("sentiment_score", "NPS / sentiment", 0.20, "Latest NPS answer in the last 12 months, times ten. Empty when nobody answered."),
    ("support_score", "Support load", 0.15, "100 minus 12 points per ticket opened in the last 30 days."),
    ("engagement_score", "Engagement", 0.20, "CSM meetings and replies in the last 60 days. Empty for tech-touch accounts."),
    ("onboarding_score", "Onboarding progress", 0.10, "Milestones done on time during onboarding. Empty outside onboarding."),
]
