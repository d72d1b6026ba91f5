"""Every code the warehouse and the app use, with the words a reader sees: one mapping for tables,
charts, tiles, selectors and CSV headers, so no page shows `mid_market` or `at_risk`.

Plain data and polars only (no Streamlit): definitions.py builds its tooltips from these labels,
and the CSV export uses the same headers as the screen. Signal rules keep their label beside their
threshold (definitions.SIGNAL_RULES); `values()` adds them here."""
from __future__ import annotations

import polars as pl

SEGMENTS = {"high_touch": "High-touch", "mid_market": "Mid-market", "smb": "SMB", "tech_touch": "Tech-touch"}
LIFECYCLE_STAGES = {"onboarding": "Onboarding", "adoption": "Adoption", "renewal": "Renewal", "churned": "Churned"}
ACTIVITY_TIERS = {"heavy": "Heavy", "normal": "Normal", "light": "Light", "inactive": "Inactive",
                  "abandoned": "Abandoned", "not live": "Not live"}
HEALTH_BANDS = {"red": "Red", "yellow": "Yellow", "green": "Green", "no score": "No score"}
RENEWAL_STAGES = {"not_started": "Not started", "outreach": "Outreach", "proposal": "Proposal",
                  "negotiation": "Negotiation", "closed": "Closed"}
FORECASTS = {"commit": "Commit", "likely": "Likely", "at_risk": "At risk"}  # the CRM's forecast column
# The forecast a CSM (or their lead) records on an open renewal in the app, and the roll-up's word
# for an open renewal nobody has forecast yet.
CSM_FORECASTS = {"commit": "Commit", "likely": "Likely", "at_risk": "At risk", "will_churn": "Will churn"}
NO_FORECAST = {"no_forecast": "No forecast"}
UNASSIGNED = "Unassigned"  # a roll-up group of accounts without a CSM (or a team)
OUTCOMES = {"renewed": "Renewed", "churned": "Churned"}
DUE_WINDOWS = {"overdue": "Overdue", "0-30 days": "0-30 days", "31-60 days": "31-60 days",
               "61-90 days": "61-90 days", "91-120 days": "91-120 days"}
MILESTONES = {"kickoff": "Kickoff", "first_training": "First training", "go_live": "Go-live",
              "second_training": "Second training", "usage_review": "Usage review"}
MILESTONE_STATES = {"on_time": "On time", "late": "Late", "overdue": "Overdue", "not_due": "Not due yet"}
ACTIVITY_KINDS = {"call": "Call", "email": "Email", "meeting": "Meeting", "onsite_visit": "On-site visit",
                  "business_review": "Business review", "training": "Training"}
# Touches a CSM logs in the app: the warehouse's conversation kinds less email and training, plus a note.
TOUCH_KINDS = {k: ACTIVITY_KINDS[k] for k in ("call", "meeting", "onsite_visit", "business_review")} | {"note": "Note"}
CONTACT_TIERS = {"S": "S · decision maker", "A": "A · key user", "B": "B · other"}
SIGNAL_KINDS = {"risk": "Risk", "opportunity": "Opportunity"}
SEVERITIES = {3: "High", 2: "Medium", 1: "Low"}
FLAG_STATUSES = {"open": "Open", "resolved": "Resolved"}
ROLES = {"leader": "Head of CS", "lead": "Team lead", "csm": "CSM", "ops": "CS operations"}
TICKET_PRIORITIES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
FOLLOWUP_VIEWS = {"mine": "Assigned to me", "raised": "Raised by me", "team": "My team's", "all": "All open flags"}
RATES = {"logo_renewal_rate": "Logo renewal rate", "grr": "GRR (pure)", "nrr": "NRR (with expansion)"}
# What changed in a book (queries/changes.py)
CHANGES = {"flag_assigned": "Flag assigned", "turned_red": "Turned red", "signal_started": "Signal started",
           "renewal_window": "Renewal window opened", "nps_answer": "NPS answer"}
# A CSM's book against their segment's targets (definitions.load_status, planning.rebalance).
LOADS = {"over": "Over target", "under": "Under target", "on target": "On target", "pooled": "Pooled (no target)"}
TEAM_TOTAL = "Whole team"  # the team's own row in a table of CSMs grouped by team (Team's outcomes)

# Columns whose values are codes, and the mapping each uses.
_VALUE_COLUMNS = {
    "segment": SEGMENTS, "lifecycle_stage": LIFECYCLE_STAGES, "activity_tier": ACTIVITY_TIERS,
    "tier_then": ACTIVITY_TIERS, "tier_now": ACTIVITY_TIERS, "health_band": HEALTH_BANDS,
    "renewal_stage": RENEWAL_STAGES, "stage": RENEWAL_STAGES, "renewal_forecast": FORECASTS,
    "forecast": FORECASTS, "csm_forecast": CSM_FORECASTS | NO_FORECAST, "outcome": OUTCOMES,
    "due_window": DUE_WINDOWS, "milestone": MILESTONES,
    "next_milestone": MILESTONES, "state": MILESTONE_STATES, "kind": ACTIVITY_KINDS | SIGNAL_KINDS,
    "tier": CONTACT_TIERS, "status": FLAG_STATUSES, "load": LOADS, "load_before": LOADS, "load_after": LOADS,
    "priority": TICKET_PRIORITIES, "role": ROLES, "change": CHANGES,
    "what": {k: v.lower() for k, v in ACTIVITY_KINDS.items()},  # the timeline words its other events in lower case
}

# Headers of columns a table shows without its own column_config, and of every CSV column.
COLUMNS = {
    "account_id": "Account id", "name": "Account", "account": "Account", "account_name": "Account",
    "segment": "Segment", "csm_id": "CSM id", "csm_name": "CSM", "csm": "CSM", "team": "Team",
    "lead_name": "Lead", "arr": "ARR", "arr_up": "ARR up", "health_score": "Health",
    "health_band": "Health band", "health_change_4w": "Health change, 4 weeks",
    "health_drag": "Pulled down most by", "lifecycle_stage": "Lifecycle stage", "activity_tier": "Activity tier",
    "renewal_due_date": "Renewal due", "renewal_stage": "Renewal stage", "renewal_forecast": "Forecast",
    "days_since_touch": "Last touch (days)", "days_to_renewal": "Days to renewal", "open_flags": "Open flags",
    "signals": "Signals", "why": "Why it is here", "bucket": "Group", "accounts": "Accounts",
    "day": "Day", "avg_health": "Average health", "tier_then": "Tier 90 days ago", "tier_now": "Tier now",
    "rule": "Rule", "label": "Signal", "kind": "Kind", "severity": "Severity", "value": "Value",
    "threshold": "Threshold", "evidence": "Evidence", "since": "Since", "responded_at": "Answered",
    "answered_on": "Answered on", "score": "Score", "comment": "Comment", "contact_email": "Contact",
    "contact": "Contact",
    "open_flag": "Risk flag open", "surveys_sent": "Surveys sent", "responses": "Answers",
    "promoters": "Promoters", "passives": "Passives", "detractors": "Detractors", "nps": "NPS",
    "response_rate": "Response rate", "small_sample": "Small sample", "grp": "Group", "period": "Period starting",
    "cohort": "Cohort", "cohort_size": "Accounts", "months": "Months since start",
    "logo_retention": "Logo retention", "arr_retention": "ARR retention", "quarter": "Quarter starting",
    "reason": "Reason", "logos": "Accounts", "milestone": "Milestone", "day_offset": "Day",
    "due_date": "Due", "completed_date": "Completed", "state": "State", "on_time_rate": "On time",
    "on_time": "Done on time", "late": "Done late", "overdue": "Overdue", "not_due": "Not due yet",
    "opened_at": "Opened", "subject": "Subject", "priority": "Priority", "status": "Status",
    "closed_at": "Closed", "ticket_id": "Ticket", "stage": "Stage", "forecast": "Forecast",
    "outcome": "Outcome", "due_window": "Window", "renewals": "Renewals", "email": "Email",
    "owner": "Owner (email)", "raised_by": "Raised by (email)", "resolved_by": "Resolved by (email)",
    "by_user": "By (email)", "tagged_by": "Tagged by (email)", "flag_id": "Flag", "event_id": "Event",
    "csm_forecast": "CSM forecast", "expected_arr": "Expected ARR", "weeks_before": "Weeks before due",
    "load": "Load", "book_target": "Target accounts", "book_load": "Accounts, % of target",
    "arr_load": "ARR, % of target", "quarter_start": "Quarter starting", "locked_because": "Not movable because",
}

_SPECIAL = {"arr": "ARR", "nps": "NPS", "csm": "CSM", "id": "id", "grr": "GRR", "nrr": "NRR", "4w": "4 weeks",
            "7d": "7 days", "30d": "30 days", "90d": "90 days", "180d": "180 days"}


def values() -> dict[str, dict]:
    """Column name -> {code: label} for every column whose values are codes (signal rules included)."""
    from queries.definitions import SIGNAL_RULES  # definitions imports this module's labels
    return {**_VALUE_COLUMNS, "rule": {code: r.label for code, r in SIGNAL_RULES.items()}}


def value(column: str, code):
    """One code's label (a code with no label is shown as it is, never hidden)."""
    return values().get(column, {}).get(code, code)


def mapping(column: str):
    """A format_func for selectors over codes of `column`."""
    labels = values()[column]
    return lambda code: labels.get(code, code)


def column(name: str) -> str:
    """A column's header: its label, else its name in words (`surveys_sent` -> 'Surveys sent')."""
    if name in COLUMNS:
        return COLUMNS[name]
    words = [_SPECIAL.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def humanize(frame: pl.DataFrame, like: dict[str, str] | None = None) -> pl.DataFrame:
    """The frame with every code column's values replaced by their labels; numbers untouched.
    `like` names the codes of a generic column ({"grp": "segment"}); labels pass through as they are."""
    known = values()
    known |= {column: known[kind] for column, kind in (like or {}).items() if kind in known}
    return frame.with_columns(
        pl.col(c).cast(pl.String).replace_strict({str(k): v for k, v in known[c].items()},
                                                default=pl.col(c).cast(pl.String), return_dtype=pl.String)
        for c in frame.columns if c in known and isinstance(frame.schema[c], (pl.String, pl.Categorical, pl.Enum)))


def raw_codes() -> set[str]:
    """The codes a reader must never see: every code whose label reads differently (tests use it)."""
    return {code for mapping_ in values().values() for code, label in mapping_.items()
            if isinstance(code, str) and code.lower() != label.lower() and len(code) > 1}
