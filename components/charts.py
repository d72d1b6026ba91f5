"""Plotly figure builders: pure functions of a frame, testable without Streamlit.

Each builder first escapes its frame's text (safe_text.plotly_frame): plotly renders a subset of
HTML in titles, ticks, legends and hovers, and names from the data must show as text there.

Builders write their figures as specs, plain trace and layout dicts, and _layout builds each figure
once. The common charts (bars, lines, areas and points coloured by a column) are the figure plotly
express would build for the same call (_px_traces, _px_spec; tests/test_chart_specs.py compares
them): express, and building a figure and then updating it, validate every property several times
over, about five times the cost of one build (133 ms against 25 ms a chart on average, measured on
these builders on a loaded 2-core machine), and a page's own work has 150 ms in all."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from components import kpi, periods
from components.safe_text import plotly_frame
from queries import labels
from queries.definitions import DUE_WINDOWS, FORECAST_CATEGORIES, GREEN_FROM, HEALTH_BANDS, NO_FORECAST, RED_BELOW

# Colour means one thing. Red, amber and green say bad, watch and good, and nothing else; segments,
# kinds and series get the neutral palette, in order.
RAG = {"bad": "#d64545", "watch": "#e8b339", "good": "#3a9d5d", "none": "#a0a4ab"}
NEUTRAL = "#8a8f98"  # what carries no judgement: grey bars in tables
SERIES = ["#2f6fdd", "#6b5bc4", "#1b9aaa", "#44546a", "#9c6ade", "#5b8fb9", "#8a8f98", "#274b8f"]
# Which codes are bad, watch or good, per column of codes (tables colour these cells and chips).
_LOAD = {"over": "bad", "under": "watch", "on target": "good", "pooled": "none"}
_FORECAST = {"at_risk": "bad", "likely": "watch", "commit": "good"}
_CSM_FORECAST = {**_FORECAST, "will_churn": "bad", "no_forecast": "none"}
MEANING = {
    "health_band": {"red": "bad", "yellow": "watch", "green": "good", "no score": "none"},
    "load": _LOAD, "load_before": _LOAD, "load_after": _LOAD,
    "forecast": _FORECAST, "renewal_forecast": _FORECAST, "csm_forecast": _CSM_FORECAST,
    "state": {"overdue": "bad", "late": "watch", "on_time": "good", "not_due": "none"},
}
BAND_COLOURS = {band: RAG[meaning] for band, meaning in MEANING["health_band"].items()}


LOOK = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": {"title": {"text": ""}},
        "hovermode": "x unified"}  # every chart's: narrow margins, no legend title, one hover per x


def in_sentence(label: str) -> str:
    """A column's label inside a title: 'segment', but 'CSM' stays an acronym."""
    return label if label.isupper() else label.lower()


def _layout(spec: dict, height: int = 360) -> go.Figure:
    """The figure of a spec ({"data": [...], "layout": {...}}) with the app's look (LOOK) and `height`
    laid over its layout, as update_layout would lay them. Plotly validates a figure once when it is
    built and again on each update: building it whole takes a third of the time of build-then-update."""
    return go.Figure(data=spec["data"], layout=_merged(spec["layout"], {**LOOK, "height": height}))


def _merged(base: dict, patch: dict) -> dict:
    """`patch` laid over `base` as update_layout lays it: nested dicts merged, anything else replaced."""
    merged = dict(base)
    for key, value in patch.items():
        merged[key] = _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


def _hover(*pairs: tuple[str, str]) -> str:
    """A hover template as plotly express writes it: `label=value` lines, a later value of the same
    label taking the earlier one's place (express keys its lines by label)."""
    lines: dict[str, str] = {}
    for label, value in pairs:
        lines[label] = value
    return "<br>".join(f"{label}={value}" for label, value in lines.items()) + "<extra></extra>"


def _px_traces(frame: pl.DataFrame, kind: str, x: str, y: str, labels_: dict[str, str], colour: str | None = None,
               order: list[str] | None = None, colours: dict[str, str] | None = None,
               sequence: list[str] | None = None, orientation: str = "v", text: str | None = None,
               hover: tuple[tuple[str, str], ...] = (), hovertemplate: str | None = None,
               hover_name: str | None = None, customdata: list[str] | None = None, **extra) -> list[dict]:
    """The traces plotly express makes for px.bar ("bar", stacked; "grouped bar"), px.line(markers=True)
    ("line"), px.area ("area") or px.scatter ("markers") of `frame`: one per value of `colour`, the
    values of `order` first, the others as they first appear; colours from `colours`, else the next of
    `sequence` (the template's colourway by default), counted as express counts them. `text` is the
    column of the bars' labels; `hover` adds lines to the hover, or `hovertemplate` replaces it;
    `hover_name` and `customdata` name the columns of the hover's title and of its extra values;
    `extra` is added to each trace."""
    sequence = sequence or list(pio.templates[pio.templates.default].layout.colorway)
    colours = dict(colours or {})
    if colour is None:
        groups = [(None, frame)]
    else:  # express's grouping: null keys dropped, unless one value (null or not) is all there is
        present = frame[colour].unique(maintain_order=True).to_list()
        values = list(dict.fromkeys([*(order or []), *present]))
        for value in values:  # colours go by place in that order, values absent from the frame included
            colours.setdefault(value, sequence[len(colours) % len(sequence)])
        groups = ([(present[0], frame)] if len(present) == 1 else
                  [(v, frame.filter(pl.col(colour) == v)) for v in values if v in present and v is not None])
    traces = []
    for value, rows in groups:
        if colour is None:
            picked, named = sequence[0], {"legendgroup": "", "name": "", "showlegend": False}
        else:
            picked, named = colours[value], {"legendgroup": str(value), "name": str(value), "showlegend": True}
        pairs = [] if colour is None else [(labels_.get(colour, colour), str(value))]
        # columns go in as polars series, as express hands them to plotly, so they are encoded alike
        labelled = [] if text is None else [(labels_.get(text, text), "%{text}")]
        trace = {"hovertemplate": _hover(*pairs, (labels_.get(x, x), "%{x}"), (labels_.get(y, y), "%{y}"), *labelled,
                                         *hover),
                 **named, "orientation": orientation, "x": rows[x], "xaxis": "x", "y": rows[y], "yaxis": "y"}
        if text is not None:
            trace["text"] = rows[text]
        if hovertemplate is not None:
            trace["hovertemplate"] = hovertemplate
        if hover_name is not None:
            trace["hovertext"] = rows[hover_name]
        if customdata:
            trace["customdata"] = rows.select(customdata)
        if kind == "bar":
            trace.update(marker={"color": picked, "pattern": {"shape": ""}}, textposition="auto", type="bar")
        elif kind == "grouped bar":
            trace.update(alignmentgroup="True", marker={"color": picked, "pattern": {"shape": ""}},
                         offsetgroup=str(value), textposition="auto", type="bar")
        elif kind == "line":
            trace.update(line={"color": picked, "dash": "solid"}, marker={"symbol": "circle"}, mode="lines+markers",
                         type="scatter")
        elif kind == "markers":
            trace.update(marker={"color": picked, "symbol": "circle"}, mode="markers+text" if text else "markers",
                         type="scatter")
        else:  # area
            trace.update(fillpattern={"shape": ""}, line={"color": picked}, marker={"symbol": "circle"},
                         mode="lines", stackgroup="1", type="scatter")
        traces.append(trace | extra)
    return traces


def _px_spec(traces: list[dict], x_title: str, y_title: str, title: str, legend_title: str | None = None,
             **layout) -> dict:
    """The figure plotly express wraps its traces in (one pair of axes, the title, the legend's
    title when coloured), as a spec for _layout; `layout` is laid on top, as update_layout would."""
    legend = {"tracegroupgap": 0} if legend_title is None else {"title": {"text": legend_title}, "tracegroupgap": 0}
    base = {"xaxis": {"anchor": "y", "domain": [0.0, 1.0], "title": {"text": x_title}},
            "yaxis": {"anchor": "x", "domain": [0.0, 1.0], "title": {"text": y_title}},
            "legend": legend, "title": {"text": title}, "margin": {"t": 60}}
    return {"data": traces, "layout": _merged(base, layout)}


def _threshold(y: float, colour: str, text: str | None = None) -> tuple[dict, dict | None]:
    """What fig.add_hline(y, dotted, colour, annotation at the bottom left) adds: a shape and its label."""
    shape = {"line": {"color": colour, "dash": "dot"}, "type": "line", "x0": 0, "x1": 1, "xref": "x domain",
             "y0": y, "y1": y, "yref": "y"}
    note = None if text is None else {"showarrow": False, "text": text, "x": 0, "xanchor": "left", "xref": "x domain",
                                      "y": y, "yanchor": "top", "yref": "y"}
    return shape, note


def _labelled(column: str) -> dict[str, str]:
    """The RAG colour of each code of `column`, keyed by its label (charts show labels)."""
    return {labels.value(column, code): RAG[meaning] for code, meaning in MEANING[column].items()}


def build_band_mix(frame: pl.DataFrame, measure: str, dimension_label: str, dimension: str = "segment") -> go.Figure:
    """Stacked bars of accounts or ARR per bucket, coloured by health band."""
    frame = plotly_frame(frame)
    data = labels.humanize(frame.rename({"bucket": dimension})).rename({dimension: "bucket"})
    names = {"bucket": dimension_label, "arr": "ARR ($)", "accounts": "Accounts", "health_band": "Health band"}
    spec = _px_spec(
        _px_traces(data, "bar", "bucket", measure, names, colour="health_band", colours=_labelled("health_band"),
                   order=[labels.HEALTH_BANDS[b] for b in HEALTH_BANDS]),
        dimension_label, names[measure], f"{'ARR' if measure == 'arr' else 'Accounts'} by {in_sentence(dimension_label)} "
        "and health band", "Health band", barmode="relative", yaxis={"tickprefix": "$"} if measure == "arr" else {})
    return _layout(spec)


def build_health_trend(frame: pl.DataFrame) -> go.Figure:
    """Average weekly health score, with the band thresholds drawn in."""
    frame = plotly_frame(frame)
    names = {"day": "Snapshot", "avg_health": "Average health", "accounts": "Accounts scored"}
    trace = _px_traces(frame, "line", "day", "avg_health", names, hover=(("Accounts scored", "%{customdata[0]}"),),
                       customdata=["accounts"])
    # the band labels sit under their lines at the left, clear of the average's line (which the
    # top right of a threshold line meets whenever the average is near it)
    (green, green_note), (red, red_note) = (_threshold(GREEN_FROM, BAND_COLOURS["green"], f"green from {GREEN_FROM}"),
                                            _threshold(RED_BELOW, BAND_COLOURS["red"], f"red below {RED_BELOW}"))
    spec = _px_spec(trace, "Snapshot", "Average health", "Average health score, weekly snapshots",
                     yaxis={"range": [0, 100]}, shapes=[green, red], annotations=[green_note, red_note])
    return _layout(spec)


RATE_LABELS = labels.RATES


def build_renewal_funnel(frame: pl.DataFrame, measure: str, colour: str) -> go.Figure:
    """Open renewals per due window, stacked by forecast or stage."""
    frame = labels.humanize(plotly_frame(frame))
    names = {"due_window": "Due", "arr_up": "ARR up for renewal ($)", "renewals": "Renewals", "forecast": "Forecast",
             "stage": "Stage"}
    traces = _px_traces(frame, "bar", "due_window", measure, names, colour=colour, sequence=SERIES,
                        colours=_labelled("forecast") if colour == "forecast" else None,
                        order=list(labels.FORECASTS.values()) if colour == "forecast"
                        else list(labels.RENEWAL_STAGES.values()))
    spec = _px_spec(traces, "Due", names[measure], "Open renewals by due window", names[colour], barmode="relative",
                     xaxis={"categoryorder": "array", "categoryarray": [labels.DUE_WINDOWS[w] for w in DUE_WINDOWS]},
                     yaxis={"tickprefix": "$"} if measure == "arr_up" else {})
    return _layout(spec)


def build_rates_trend(frame: pl.DataFrame) -> go.Figure:
    """Logo renewal rate, GRR and NRR per period, side by side."""
    frame = plotly_frame(frame)
    long = frame.unpivot(index=["period"], on=list(RATE_LABELS), variable_name="rate", value_name="value") \
        .with_columns(pl.col("rate").replace(RATE_LABELS))
    traces = _px_traces(long, "line", "period", "value", {"period": "Renewals due in", "value": "", "rate": ""},
                        colour="rate", sequence=SERIES)
    return _layout(_px_spec(traces, "Renewals due in", "", "Renewal rates by period", "",
                              yaxis={"tickformat": ".0%"}))


def build_rates_by_segment(frame: pl.DataFrame) -> go.Figure:
    """The three rates per segment, so a few large renewals cannot hide many small churns."""
    frame = plotly_frame(frame)
    long = labels.humanize(frame) \
        .unpivot(index=["segment"], on=list(RATE_LABELS), variable_name="rate", value_name="value") \
        .with_columns(pl.col("rate").replace(RATE_LABELS))
    traces = _px_traces(long, "grouped bar", "segment", "value", {"segment": "Segment", "value": "", "rate": ""},
                        colour="rate", sequence=SERIES, texttemplate="%{y:.0%}")
    return _layout(_px_spec(traces, "Segment", "", "Renewal rates by segment", "", barmode="group",
                              yaxis={"tickformat": ".0%"}))


def build_arr_bridge(row: dict, title: str) -> go.Figure:
    """Waterfall: start + new + expansion - contraction - churn = end."""
    steps = [("Start ARR", row["start_arr"], "absolute"), ("New", row["new_arr"], "relative"),
             ("Expansion", row["expansion"], "relative"), ("Contraction", -row["contraction"], "relative"),
             ("Churn", -row["churn"], "relative"), ("End ARR", row["end_arr"], "total")]
    spec = {"data": [{
        "type": "waterfall", "x": [s[0] for s in steps], "y": [s[1] for s in steps], "measure": [s[2] for s in steps],
        "text": [kpi.money(abs(s[1])) for s in steps], "textposition": "outside",  # as the tiles read
        "increasing": {"marker": {"color": RAG["good"]}}, "decreasing": {"marker": {"color": RAG["bad"]}},
        "totals": {"marker": {"color": SERIES[0]}}}],
        "layout": {"title": title, "showlegend": False, "yaxis": {"tickprefix": "$"}}}
    return _layout(spec, height=400)


def build_churn_reasons(frame: pl.DataFrame, measure: str) -> go.Figure:
    """Churned ARR or logos by reason, stacked by segment; 'Untagged' stays visible."""
    frame = plotly_frame(frame)
    data = labels.humanize(frame.group_by("reason", "segment", maintain_order=True).agg(pl.col(measure).sum()))
    order = (data.group_by("reason").agg(pl.col(measure).sum())
             .sort([measure, "reason"], descending=[True, False])["reason"].to_list())  # ties by name
    names = {"reason": "", "arr": "Churned ARR ($)", "logos": "Churned accounts", "segment": ""}
    traces = _px_traces(data, "bar", measure, "reason", names, colour="segment", orientation="h", sequence=SERIES,
                        order=list(labels.SEGMENTS.values()))
    spec = _px_spec(traces, names[measure], "", "Churn by reason", "", barmode="relative",
                     xaxis={"tickprefix": "$"} if measure == "arr" else {},
                     yaxis={"categoryorder": "array", "categoryarray": order[::-1]})  # drawn bottom up: biggest on top
    return _layout(spec, height=380)


def build_cohort_curves(frame: pl.DataFrame, value: str) -> go.Figure:
    """One retention curve per signing quarter."""
    frame = plotly_frame(frame)
    data = periods.label_buckets(frame.sort("cohort", "months"), "cohort", "quarter")  # 'Q4 2025'
    names = {"months": "Months since start", value: "", "cohort": "Signed in quarter"}
    traces = _px_traces(data, "line", "months", value, names, colour="cohort", sequence=SERIES)
    return _layout(_px_spec(traces, "Months since start", "", "Logo retention by cohort"
                              if value == "logo_retention" else "ARR retention by cohort", "Signed in quarter",
                              yaxis={"tickformat": ".0%"}), height=400)


def _heatmap(rows: list[str], columns: list[str], values: list[list], text: list[list], title: str,
             colorscale: str = "RdYlGn", zmin: float = 0, zmax: float = 1) -> go.Figure:
    spec = {"data": [{"type": "heatmap", "z": values, "x": columns, "y": rows, "text": text, "texttemplate": "%{text}",
                      "colorscale": colorscale, "zmin": zmin, "zmax": zmax, "hoverongaps": False}],
            "layout": {"title": title, "yaxis": {"autorange": "reversed", "type": "category"},
                       "xaxis": {"type": "category"}}}
    return _layout(spec, height=max(300, 60 + 28 * len(rows)))


def build_milestone_heatmap(frame: pl.DataFrame, grain: str = "quarter") -> go.Figure:
    """Cohort x milestone on-time rate; a milestone nobody in the cohort has reached reads 'not due yet'.
    Cohorts read 'Q4 2025' (or 'Nov 2025'). An on-time rate is no verdict on its own, so the scale is
    a neutral blue stretched over the rates shown: 50% and 88% look different, not both 'green'."""
    frame = plotly_frame(frame)
    cohorts = sorted(set(frame["cohort"].to_list()))
    milestones = frame.sort("day_offset")["milestone"].unique(maintain_order=True).to_list()
    cell = {(r["cohort"], r["milestone"]): r["on_time_rate"] for r in frame.iter_rows(named=True)}
    values = [[cell.get((c, m)) for m in milestones] for c in cohorts]
    text = [["not due yet" if v is None and (c, m) in cell else "" if v is None else f"{v:.0%}"
             for m, v in zip(milestones, row)] for c, row in zip(cohorts, values)]
    rates = [v for row in values for v in row if v is not None]
    low, high = (min(rates), max(rates)) if rates else (0, 1)
    if high - low < 0.01:  # one rate (or all alike): any span around it
        low, high = max(0, low - 0.05), min(1, high + 0.05)
    names = [periods.bucket_label(c, grain, c, periods.bucket_end(c, grain)) for c in cohorts]
    fig = _heatmap(names, [labels.value("milestone", m) for m in milestones], values, text,
                   "Milestones completed on time, by signing cohort", colorscale="Blues", zmin=low, zmax=high)
    fig.update_traces(colorbar=dict(tickformat=".0%", title="On time"))
    return fig


NPS_COLOURS = {"promoters": RAG["good"], "passives": RAG["none"], "detractors": RAG["bad"]}


def build_nps_trend(frame: pl.DataFrame) -> go.Figure:
    """Promoter/passive/detractor shares stacked per period, the NPS line on top; small samples hollow."""
    frame = plotly_frame(frame)
    periods_, answers, small = frame["period"].to_list(), frame["responses"].to_list(), frame["small_sample"].to_list()
    bars = [{"type": "bar", "x": periods_, "y": (frame[kind] / frame["responses"]).fill_nan(None).to_list(),
             "name": kind.capitalize(), "marker": {"color": NPS_COLOURS[kind]}, "customdata": answers,
             "hovertemplate": "%{y:.0%} of %{customdata} answers"} for kind in ("detractors", "passives", "promoters")]
    line = {"type": "scatter", "x": periods_, "y": frame["nps"].to_list(), "name": "NPS", "yaxis": "y2",
            "mode": "lines+markers", "line": {"color": "#1f2a44"},
            "marker": {"size": 10, "symbol": ["circle-open" if s else "circle" for s in small]},
            "text": ["n < 10: small sample" if s else "" for s in small], "hovertemplate": "NPS %{y:.0f} %{text}"}
    spec = {"data": [*bars, line], "layout": {
        "barmode": "stack", "title": "NPS and answer mix by period (hollow point: fewer than 10 answers)",
        "yaxis": {"tickformat": ".0%", "title": "Share of answers"},
        "yaxis2": {"overlaying": "y", "side": "right", "range": [-100, 100], "title": "NPS", "tickmode": "linear",
                   "tick0": -100, "dtick": 50, "showgrid": False}}}
    fig = _layout(spec, height=420)
    # the legend in a row under the title: at the right it covered the NPS axis
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
                      margin=dict(t=80))
    return fig


def build_nps_by_group(frame: pl.DataFrame, label: str) -> go.Figure:
    """NPS per segment, team or CSM, with the number of answers; small samples greyed."""
    frame = plotly_frame(frame)
    data = frame.with_columns(pl.col("grp").replace(labels.SEGMENTS) if label == "Segment" else pl.col("grp"),
                              pl.when("small_sample").then(pl.lit("fewer than 10 answers"))
                              .otherwise(pl.lit("10 answers or more")).alias("sample"))
    traces = _px_traces(data, "bar", "nps", "grp", {"grp": label, "nps": "NPS", "sample": "", "responses": "answers"},
                        colour="sample", orientation="h", text="responses",
                        colours={"fewer than 10 answers": "#c9ccd1", "10 answers or more": SERIES[0]})
    spec = _px_spec(traces, "NPS", label, f"NPS by {in_sentence(label)} (bar label: answers)", "", barmode="relative",
                     xaxis={"range": [-100, 100]}, yaxis={"categoryorder": "total ascending"})
    return _layout(spec, height=max(300, 80 + 26 * data.height))


def build_tier_movement(frame: pl.DataFrame, tiers: list[str]) -> go.Figure:
    """Accounts by tier 90 days ago (rows) x tier now (columns)."""
    frame = plotly_frame(frame)
    order = [*tiers, "not live"]
    cell = {(r["tier_then"], r["tier_now"]): r["accounts"] for r in frame.iter_rows(named=True)}
    values = [[cell.get((a, b), 0) for b in order] for a in order]
    names = [labels.value("activity_tier", t) for t in order]
    return _heatmap([f"{t} (90 days ago)" for t in names], [f"{t} (now)" for t in names], values,
                    [[str(v) if v else "" for v in row] for row in values], "How accounts moved between activity tiers",
                    colorscale="Blues", zmax=max(1, max(max(row) for row in values)))


SCATTER_NAMES_UP_TO = 30  # more names than this cover each other


def build_workload_scatter(frame: pl.DataFrame) -> go.Figure:
    """Each CSM by share of book target (x) and of ARR target (y); the shaded box is 90-110%."""
    frame = plotly_frame(frame).filter(pl.col("book_load").is_not_null())
    # names beside the CSMs off target, the books a lead acts on, while they are few enough to read;
    # every point names its CSM on hover
    off_target = frame.filter(pl.col("load") != "on target").height
    named = pl.when((pl.col("load") != "on target") & (off_target <= SCATTER_NAMES_UP_TO))
    data = labels.humanize(frame.with_columns(named.then(pl.col("csm_name")).otherwise(pl.lit("")).alias("named")))
    # px.scatter's hover for hover_name and hover_data {team, accounts, arr: $, loads: %, segment: hidden}
    hover = ("<b>%{hovertext}</b><br><br>Accounts, % of target=%{x:.0%}<br>ARR, % of $2M target=%{y:.0%}<br>"
             "team=%{customdata[0]}<br>accounts=%{customdata[1]}<br>"
             "arr=%{customdata[2]:$,.0f}<extra></extra>")
    traces = _px_traces(data, "markers", "book_load", "arr_load", {}, colour="segment", sequence=SERIES,
                        order=list(labels.SEGMENTS.values()), text="named", hovertemplate=hover,
                        hover_name="csm_name", customdata=["team", "accounts", "arr", "segment", "named"])
    for trace in traces:
        trace["marker"]["size"] = 12
        trace.update(textfont={"size": 10}, textposition="top center")
    box = {"fillcolor": "rgba(58,157,93,0.12)", "line": {"width": 0}, "type": "rect", "x0": 0.9, "x1": 1.1,
           "y0": 0.9, "y1": 1.1}
    vline = {"line": {"color": "#888", "dash": "dot"}, "type": "line", "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1,
             "yref": "y domain"}
    spec = _px_spec(traces, "Accounts, % of target", "ARR, % of $2M target",
                     "CSM books against target (tech-touch pooled, not shown)", "Segment",
                     shapes=[box, vline, _threshold(1, "#888")[0]], hovermode="closest",
                     xaxis={"tickformat": ".0%"}, yaxis={"tickformat": ".0%"})
    return _layout(spec, height=420)


def build_health_history(frame: pl.DataFrame) -> go.Figure:
    """Each component's points per kept snapshot, stacked to the score, with the score on top: a
    component with no data that week adds nothing and its weight sits with the others."""
    frame = plotly_frame(frame)
    traces = _px_traces(frame, "area", "day", "points", {"day": "Snapshot", "points": "Points of the score",
                                                         "label": "Component"}, colour="label", sequence=SERIES)
    score = frame.group_by("day").agg(pl.col("score").first()).sort("day")
    traces.append({"line": {"color": "#1f2a44", "width": 2.5}, "mode": "lines", "name": "Health score",
                   "x": score["day"], "y": score["score"], "type": "scatter"})
    spec = _px_spec(traces, "Snapshot", "Points of the score", "Health score by component, weekly snapshots",
                     "Component", yaxis={"range": [0, 100]},
                     shapes=[_threshold(GREEN_FROM, BAND_COLOURS["green"])[0],
                             _threshold(RED_BELOW, BAND_COLOURS["red"])[0]])
    return _layout(spec)


def build_health_breakdown(frame: pl.DataFrame) -> go.Figure:
    """Points each component adds to the score, and the points it costs, on one 100-point bar each."""
    frame = plotly_frame(frame)
    data = frame.filter(pl.col("value").is_not_null()).select(
        "label", pl.col("points").alias("Points earned"), pl.col("points_lost").alias("Points lost")
    ).unpivot(index="label", variable_name="part", value_name="points")
    traces = _px_traces(data, "bar", "points", "label", {"label": "", "points": "Points of the 100-point score",
                                                         "part": ""}, colour="part", orientation="h",
                        colours={"Points earned": RAG["good"], "Points lost": RAG["bad"]})
    spec = _px_spec(traces, "Points of the 100-point score", "", "Where the score comes from, and what pulls it down",
                     "", barmode="relative", hovermode="closest",
                     yaxis={"categoryorder": "array", "categoryarray": frame["label"].to_list()[::-1]})
    return _layout(spec, height=300)


def build_usage_vs_seats(frame: pl.DataFrame) -> go.Figure:
    """Weekday active users against licensed seats, weekly."""
    frame = plotly_frame(frame)
    long = frame.unpivot(index="week", on=["weekday_active_users", "licensed_seats"], variable_name="series",
                         value_name="users").with_columns(
        pl.col("series").replace({"weekday_active_users": "Weekday active users",
                                  "licensed_seats": "Licensed seats"}))
    traces = _px_traces(long, "line", "week", "users", {"week": "Week", "users": "Users", "series": ""},
                        colour="series", sequence=SERIES)
    return _layout(_px_spec(traces, "Week", "Users", "Usage against licensed seats", ""))


def build_activity_weeks(frame: pl.DataFrame) -> go.Figure:
    """Activities per week, stacked by kind."""
    frame = labels.humanize(plotly_frame(frame))
    traces = _px_traces(frame, "bar", "week", "activities", {"week": "Week starting", "activities": "Activities",
                                                             "kind": "Kind"},
                        colour="kind", sequence=SERIES, order=list(labels.ACTIVITY_KINDS.values()))
    return _layout(_px_spec(traces, "Week starting", "Activities", "CS activities per week, by kind", "Kind",
                              barmode="relative"))


# A CSM's forecast categories in a chart: the RAG colours, will churn a deeper red than at risk
# (both bad; a chart must tell them apart).
FORECAST_COLOURS = {**{code: RAG[meaning] for code, meaning in _CSM_FORECAST.items()}, "will_churn": "#8e2424"}


def build_forecast_rollup(frame: pl.DataFrame, grouped: bool) -> go.Figure:
    """Per group (or for the whole book), two stacked bars of the ARR up for renewal: by the CSM
    forecast category (with 'No forecast') and by the CRM's forecast, side by side. `frame` is
    forecast_rollup.rollup's, its groups already in words."""
    frame = plotly_frame(frame)
    groups = list(dict.fromkeys(frame["grp"].to_list()))
    sides = ["CSM forecast"] * len(groups) + ["CRM forecast"] * len(groups)
    bars = []
    for code in [*FORECAST_CATEGORIES, NO_FORECAST]:
        rows = frame.filter(pl.col("csm_forecast") == code)
        csm = dict(zip(rows["grp"].to_list(), rows["arr_up"].to_list()))
        crm = f"crm_{code}_arr"
        bars.append({"type": "bar", "name": labels.value("csm_forecast", code),
                     "marker": {"color": FORECAST_COLOURS[code]}, "x": [groups * 2, sides] if grouped else sides,
                     "y": [csm.get(g, 0) for g in groups]
                     + [frame.filter(pl.col("grp") == g)[crm].sum() if crm in frame.columns else 0 for g in groups],
                     "hovertemplate": "%{y:$,.0f}"})
    spec = {"data": bars, "layout": {"barmode": "stack",
                                     "title": "Open renewals: ARR up by the CSM's forecast and the CRM's",
                                     "yaxis": {"tickprefix": "$", "title": "ARR up for renewal ($)"}}}
    return _layout(spec, height=400)


def build_forecast_accuracy(frame: pl.DataFrame) -> go.Figure:
    """Coverage, hit rate and error share of the forecasts that stood k weeks before due, the
    earliest on the left (how early the forecast could be trusted)."""
    measures = {"coverage": "Had a forecast", "hit_rate": "Call matched the outcome",
                "error_share": "Forecast error (share of ARR up)"}
    long = plotly_frame(frame).unpivot(index=["weeks_before"], on=list(measures), variable_name="measure",
                                       value_name="value").with_columns(pl.col("measure").replace(measures))
    traces = _px_traces(long, "line", "weeks_before", "value", {"weeks_before": "Weeks before the due date",
                                                                "value": "", "measure": ""},
                        colour="measure", sequence=SERIES)
    return _layout(_px_spec(traces, "Weeks before the due date", "", "Forecast accuracy by how long before the due "
                              "date", "", xaxis={"autorange": "reversed", "tickvals": frame["weeks_before"].to_list()},
                              yaxis={"tickformat": ".0%"}))
