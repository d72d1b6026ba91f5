"""The shared filters. Rendered by the router on every run, so their state persists across pages.

Each filter is bound to the URL (Streamlit's bind="query-params", the widget's key is the
parameter): a reload or a shared link shows the same filters; a value that is not an option is
dropped by Streamlit, never shown. A filter at its default (the viewer's own) stays out of the URL."""
from __future__ import annotations

import polars as pl
import streamlit as st

from components.state import distinct_labels
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
    if st.session_state.get("filter_defaults_for") != viewer.email:
        if "filter_defaults_for" in st.session_state:  # the demo viewer changed: their defaults
            _reset(viewer)
        st.session_state["filter_defaults_for"] = viewer.email  # first run: the URL, else the defaults
    default = _defaults(viewer)

    def bound(key: str) -> dict:
        return {"key": key, "default": default[key], "bind": "query-params"}
    names = distinct_labels(dict(zip(csms["csm_id"].to_list(), csms["name"].to_list())))
    with st.sidebar:
        st.subheader("Filters")
        segments = st.multiselect("Segment", d.SEGMENTS, format_func=labels.mapping("segment"),
                                  placeholder="All segments", **bound("filter_segments"))
        teams = st.multiselect("Team", sorted(set(csms["team"].to_list())), placeholder="All teams",
                               **bound("filter_teams"))
        csm_ids = st.multiselect("CSM", list(names), format_func=names.get, placeholder="All CSMs",
                                 **bound("filter_csms"))
        stages = st.multiselect("Lifecycle stage", d.LIFECYCLE_STAGES, format_func=labels.mapping("lifecycle_stage"),
                                placeholder="All stages, churned included", help=d.DEFINITIONS["lifecycle_stage"],
                                **bound("filter_stages"))
        tiers = st.multiselect("Activity tier", d.ACTIVITY_TIERS, format_func=labels.mapping("activity_tier"),
                               placeholder="All tiers", help=d.DEFINITIONS["activity_tier"], **bound("filter_tiers"))
        st.button("Reset filters", on_click=_reset, args=(viewer,), key="filter_reset", icon=":material/restart_alt:")
    return Filters(segments=tuple(segments), teams=tuple(teams), csm_ids=tuple(csm_ids),
                   stages=tuple(stages), tiers=tuple(tiers))
