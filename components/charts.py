"""Plotly figure builders: pure functions of a frame, testable without Streamlit."""
from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

from queries.definitions import GREEN_FROM, HEALTH_BANDS, RED_BELOW, SEGMENT_LABELS

BAND_COLOURS = {"red": "#d64545", "yellow": "#e8b339", "green": "#3a9d5d", "no score": "#a0a4ab"}


def _layout(fig: go.Figure, height: int = 360) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), legend_title_text="",
                      hovermode="x unified")
    return fig


def build_band_mix(frame: pl.DataFrame, measure: str, dimension_label: str) -> go.Figure:
    """Stacked bars of accounts or ARR per bucket, coloured by health band."""
    data = frame.with_columns(pl.col("bucket").replace(SEGMENT_LABELS))
    fig = px.bar(data, x="bucket", y=measure, color="health_band", color_discrete_map=BAND_COLOURS,
                 category_orders={"health_band": HEALTH_BANDS},
                 labels={"bucket": dimension_label, "arr": "ARR ($)", "accounts": "Accounts",
                         "health_band": "Health band"},
                 title=f"{'ARR' if measure == 'arr' else 'Accounts'} by {dimension_label.lower()} and health band")
    if measure == "arr":
        fig.update_yaxes(tickprefix="$")
    return _layout(fig)


def build_health_trend(frame: pl.DataFrame) -> go.Figure:
    """Average weekly health score, with the band thresholds drawn in."""
    fig = px.line(frame, x="day", y="avg_health", markers=True, hover_data={"accounts": True},
                  labels={"day": "Snapshot", "avg_health": "Average health", "accounts": "Accounts scored"},
                  title="Average health score, weekly snapshots")
    fig.add_hline(y=GREEN_FROM, line_dash="dot", line_color=BAND_COLOURS["green"], annotation_text="green")
    fig.add_hline(y=RED_BELOW, line_dash="dot", line_color=BAND_COLOURS["red"], annotation_text="red")
    fig.update_yaxes(range=[0, 100])
    return _layout(fig)
