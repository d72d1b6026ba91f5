"""Every page of the app, once: the router's navigation, the page tests (AppTest and Chromium), the
benchmark and the screenshots all read this list, so a page added here is routed, tested and
measured without being written down anywhere else.

A page's views are the options of the control that switches what the page runs (one view's
queries per run); `in_url` names the query parameter that carries the view, if it has one.
`shows` is what a browser must find visible on the page's first view (Streamlit test ids).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st


@dataclass(frozen=True)
class Views:
    key: str                      # the widget's key (a segmented control)
    options: tuple[str, ...]      # its options as the widget holds them; the first is the default
    in_url: str | None = None     # the query parameter that carries the choice


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    icon: str
    group: str
    default_for: Literal["csm", "others"] | None = None  # whose landing page it is
    views: Views | None = None
    needs_account: bool = False   # shows one account, named in the URL as ?account=<id>
    shows: tuple[str, ...] = ("stPlotlyChart", "stDataFrame")

    @property
    def name(self) -> str:
        """The file's stem: `my_accounts` (benchmark rows, screenshot files)."""
        return self.path.removeprefix("pages/").removesuffix(".py")


# the account page's sections: URL value -> label
ACCOUNT_SECTIONS = {
    "health": "Health",
    "signals": "Signals",
    "story": "Timeline & people",
    "flags": "Risk flags & churn tags",
    "forecast": "Renewal forecast",
    "usage": "Usage",
    "onboarding": "Onboarding",
    "voice": "NPS & tickets",
}

PAGES: tuple[Page, ...] = (
    # a CSM's day starts on their own book; everyone else's on the whole portfolio
    Page("pages/my_accounts.py", "My accounts", ":material/person_pin:", "Overview", default_for="csm",
         shows=("stDataFrame",)),
    Page("pages/portfolio.py", "Portfolio health", ":material/monitor_heart:", "Overview", default_for="others"),
    Page("pages/followups.py", "Follow-ups", ":material/assignment_late:", "Overview", shows=("stMetric",)),
    Page("pages/account.py", "Account", ":material/domain:", "Overview", needs_account=True,
         views=Views("account_section", tuple(ACCOUNT_SECTIONS), in_url="section"), shows=("stDataFrame",)),
    Page("pages/onboarding.py", "Onboarding", ":material/rocket_launch:", "Adoption"),
    Page("pages/nps.py", "NPS", ":material/sentiment_satisfied:", "Adoption"),
    Page("pages/team.py", "Team", ":material/groups:", "Team leads"),
    Page("pages/activity.py", "CS activity", ":material/event_note:", "Team leads"),
    Page("pages/renewals.py", "Renewals", ":material/autorenew:", "Leadership",
         views=Views("renewals_view", ("Upcoming renewals", "CSM forecast", "Renewal rates", "Forecast accuracy"))),
    Page("pages/retention.py", "Retention", ":material/waterfall_chart:", "Leadership",
         views=Views("retention_view", ("ARR bridge", "Churn reasons", "Cohorts"))),
    Page("pages/score_check.py", "Score check", ":material/fact_check:", "Leadership",
         views=Views("score_check_view", ("Score check", "Signals", "What-if weights")), shows=("stMetric", "stDataFrame")),
)


def page(path: str) -> Page:
    return next(p for p in PAGES if p.path == path)


def views_of(p: Page) -> tuple[str | None, ...]:
    """Each view of a page, or (None,) for a page of one view: what a walk over every view visits."""
    return p.views.options if p.views else (None,)


def navigation(role: str) -> dict:
    """st.navigation's pages by group, in this list's order, with the landing page of `role`."""
    landing = "csm" if role == "csm" else "others"
    groups: dict[str, list] = {}
    for p in PAGES:
        groups.setdefault(p.group, []).append(
            st.Page(p.path, title=p.title, icon=p.icon, default=p.default_for == landing))
    return groups
