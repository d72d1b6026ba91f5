"""The shared filters. Rendered by the router on every run, so their state persists across pages."""
from __future__ import annotations

import polars as pl
import streamlit as st

from queries import definitions as d
from queries import labels
from queries.scope import Filters

DEFAULTS = {"filter_segments": [], "filter_teams": [], "filter_csms": [],
            "filter_stages": list(d.LIVE_STAGES), "filter_tiers": []}


def _defaults(viewer) -> dict:
    """A lead or CSM starts on their own team; leadership and ops on everyone."""
    return {**DEFAULTS, "filter_teams": [] if viewer.sees_everything else [viewer.team]}


def _reset(viewer) -> None:
    for key, value in _defaults(viewer).items():
        st.session_state[key] = list(value)


def render_filters(csms: pl.DataFrame, viewer) -> Filters:
    """Segment, team, CSM, lifecycle stage and activity tier; empty means all."""
    if st.session_state.get("filter_defaults_for") != viewer.email:  # first run, or demo viewer changed
        _reset(viewer)
        st.session_state["filter_defaults_for"] = viewer.email
    names = dict(zip(csms["csm_id"].to_list(), csms["name"].to_list()))
    with st.sidebar:
        st.subheader("Filters")
        segments = st.multiselect("Segment", d.SEGMENTS, format_func=labels.mapping("segment"),
                                  key="filter_segments", placeholder="All segments")
        teams = st.multiselect("Team", sorted(set(csms["team"].to_list())), key="filter_teams",
                               placeholder="All teams")
        csm_ids = st.multiselect("CSM", list(names), format_func=names.get, key="filter_csms",
                                 placeholder="All CSMs")
        stages = st.multiselect("Lifecycle stage", d.LIFECYCLE_STAGES, format_func=labels.mapping("lifecycle_stage"),
                                key="filter_stages",
                                placeholder="All stages, churned included", help=d.DEFINITIONS["lifecycle_stage"])
        tiers = st.multiselect("Activity tier", d.ACTIVITY_TIERS, format_func=labels.mapping("activity_tier"),
                               key="filter_tiers",
                               placeholder="All tiers", help=d.DEFINITIONS["activity_tier"])
        st.button("Reset filters", on_click=_reset, args=(viewer,), key="filter_reset", icon=":material/restart_alt:")
    return Filters(segments=tuple(segments), teams=tuple(teams), csm_ids=tuple(csm_ids),
                   stages=tuple(stages), tiers=tuple(tiers))
