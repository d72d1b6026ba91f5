"""The chart builders write their figures as trace and layout dicts (components/charts.py) instead of
calling plotly express, for speed; what the browser gets must stay the figure express would have
made. Each case builds the same chart both ways and compares the JSON Streamlit sends."""
import datetime as dt
import json

import plotly.express as px
import plotly.io as pio
import polars as pl
import pytest
import streamlit  # noqa: F401  (registers Streamlit's plotly template, the default both ways)

from components import charts
from queries import labels


def sent(fig) -> dict:
    """What st.plotly_chart sends to the browser, parsed."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


def with_look(fig, height: int = 360):
    return fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), legend_title_text="",
                             hovermode="x unified")


MIX = pl.DataFrame({"bucket": ["smb", "smb", "mid_market", "team <b>", "smb"],
                    "health_band": ["red", "green", "no score", "yellow", None],
                    "accounts": [3, 40, 2, 7, 1], "arr": [1.5e5, 2e6, None, 4e5, 1.0]})


@pytest.mark.parametrize("measure", ["arr", "accounts"])
def test_band_mix_is_express_bar_coloured_by_band(measure):
    """Stacked bars, colours from a map and an order, a null band and an HTML-looking bucket."""
    data = labels.humanize(charts.plotly_frame(MIX.rename({"bucket": "team"}))).rename({"team": "bucket"})
    express = px.bar(data, x="bucket", y=measure, color="health_band",
                     color_discrete_map=charts._labelled("health_band"),
                     category_orders={"health_band": list(labels.HEALTH_BANDS.values())},
                     labels={"bucket": "Team", "arr": "ARR ($)", "accounts": "Accounts", "health_band": "Health band"},
                     title=f"{'ARR' if measure == 'arr' else 'Accounts'} by team and health band")
    if measure == "arr":
        express.update_yaxes(tickprefix="$")
    assert sent(charts.build_band_mix(MIX, measure, "Team", "team")) == sent(with_look(express))


def test_health_trend_is_express_line_with_a_hover_column_and_two_thresholds():
    trend = pl.DataFrame({"day": [dt.date(2026, 11, 16), dt.date(2026, 11, 23)], "avg_health": [61.5, 58.25],
                          "accounts": [120, 118]})
    express = px.line(trend, x="day", y="avg_health", markers=True, hover_data={"accounts": True},
                      labels={"day": "Snapshot", "avg_health": "Average health", "accounts": "Accounts scored"},
                      title="Average health score, weekly snapshots")
    express.add_hline(y=charts.GREEN_FROM, line_dash="dot", line_color=charts.BAND_COLOURS["green"],
                      annotation_text=f"green from {charts.GREEN_FROM}", annotation_position="bottom left")
    express.add_hline(y=charts.RED_BELOW, line_dash="dot", line_color=charts.BAND_COLOURS["red"],
                      annotation_text=f"red below {charts.RED_BELOW}", annotation_position="bottom left")
    express.update_yaxes(range=[0, 100])
    assert sent(charts.build_health_trend(trend)) == sent(with_look(express))


def test_workload_scatter_is_express_scatter_with_hover_name_text_and_formats():
    books = pl.DataFrame({"csm_name": ["Ana", "Ben", "<i>Cy</i>", "Dee"], "team": ["East", None, "West", "East"],
                          "segment": ["smb", "mid_market", "smb", "smb"], "accounts": [40, 66, 12, 150],
                          "arr": [1e6, 2.5e6, 3e5, 2e6], "book_load": [0.8, 1.32, None, 1.0],
                          "arr_load": [0.5, 1.26, 0.2, 1.0], "load": ["under", "over", "under", "on target"]})
    data = labels.humanize(charts.plotly_frame(books).filter(pl.col("book_load").is_not_null())
                           .with_columns(named=pl.Series(["Ana", "Ben", ""])))  # only the CSMs off target
    express = px.scatter(data, x="book_load", y="arr_load", color="segment", hover_name="csm_name", text="named",
                         color_discrete_sequence=charts.SERIES,
                         category_orders={"segment": list(labels.SEGMENTS.values())},
                         hover_data={"team": True, "accounts": True, "arr": ":$,.0f", "book_load": ":.0%",
                                     "arr_load": ":.0%", "segment": False, "named": False},
                         labels={"book_load": "Accounts, % of target", "arr_load": "ARR, % of $2M target",
                                 "segment": "Segment"},
                         title="CSM books against target (tech-touch pooled, not shown)")
    express.add_shape(type="rect", x0=0.9, x1=1.1, y0=0.9, y1=1.1, fillcolor="rgba(58,157,93,0.12)", line_width=0)
    express.add_vline(x=1, line_dash="dot", line_color="#888")
    express.add_hline(y=1, line_dash="dot", line_color="#888")
    express.update_traces(marker_size=12, textposition="top center", textfont_size=10)
    express.update_xaxes(tickformat=".0%")
    express.update_yaxes(tickformat=".0%")
    assert sent(charts.build_workload_scatter(books)) == sent(with_look(express, 420))
    crowd = pl.concat([books.with_columns(csm_name=pl.lit(f"CSM {i}")) for i in range(charts.SCATTER_NAMES_UP_TO)])
    assert not any(t for trace in charts.build_workload_scatter(crowd).data for t in trace.text)  # too many to name


def test_grouped_bars_with_labels_are_express_grouped_bars():
    rates = pl.DataFrame({"segment": ["smb", "mid_market"], "logo_renewal_rate": [0.8, 0.9], "grr": [0.78, None],
                          "nrr": [0.85, 0.95]})
    long = labels.humanize(rates).unpivot(index=["segment"], on=list(charts.RATE_LABELS), variable_name="rate",
                                          value_name="value").with_columns(pl.col("rate").replace(charts.RATE_LABELS))
    express = px.bar(long, x="segment", y="value", color="rate", barmode="group", text_auto=".0%",
                     color_discrete_sequence=charts.SERIES, labels={"segment": "Segment", "value": "", "rate": ""},
                     title="Renewal rates by segment")
    express.update_yaxes(tickformat=".0%")
    assert sent(charts.build_rates_by_segment(rates)) == sent(with_look(express))


@pytest.mark.parametrize("measure", ["arr", "logos"])
def test_churn_reasons_are_express_horizontal_bars_the_biggest_reason_on_top(measure):
    """Express turns a y axis's category order over so that the first category is drawn at the top."""
    churn = pl.DataFrame({"reason": ["budget_cut", "budget_cut", "product_gap", "other", "Untagged"],
                          "segment": ["smb", "mid_market", "smb", "smb", "high_touch"],
                          "arr": [5e4, 2e4, 9e4, 1e4, 3e5], "logos": [2, 1, 3, 1, 6]})
    data = labels.humanize(churn.group_by("reason", "segment", maintain_order=True).agg(pl.col(measure).sum()))
    order = (data.group_by("reason").agg(pl.col(measure).sum())
             .sort([measure, "reason"], descending=[True, False])["reason"].to_list())
    express = px.bar(data, y="reason", x=measure, color="segment", orientation="h",
                     color_discrete_sequence=charts.SERIES,
                     category_orders={"reason": order, "segment": list(labels.SEGMENTS.values())},
                     labels={"reason": "", "arr": "Churned ARR ($)", "logos": "Churned accounts", "segment": ""},
                     title="Churn by reason")
    if measure == "arr":
        express.update_xaxes(tickprefix="$")
    built = sent(charts.build_churn_reasons(churn, measure))
    assert built == sent(with_look(express, 380))
    assert built["layout"]["yaxis"]["categoryarray"][-1] == order[0]  # drawn from the bottom up
