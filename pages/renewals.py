"""Renewals, for leadership: what is up for renewal and how it is forecast (the CRM's column and
the forecast CSMs own, rolled up), how well we have been renewing (logo rate, GRR, NRR) by period
and segment, and how accurate the CSMs' forecasts were once renewals closed."""
import streamlit as st

from components import charts, kpi, notices, periods, tables
from components.context import page_context
from components.periods import period_picker
from components.registry import page
from components.renewal_forecast import accuracy_view, rollup_view
from components.safe_text import md
from components.state import keep
from queries import labels, renewals
from queries.definitions import DEFINITIONS, DUE_WINDOWS

VIEWS = page("pages/renewals.py").views
wh, filters, as_of = page_context()
st.title("Renewals")
st.caption(f"Data as of {as_of:%d %b %Y}.")
view = st.segmented_control("View", VIEWS.options, key=keep(VIEWS.key, VIEWS.options[0]),
                            bind="query-params") or VIEWS.options[0]

if view == "Upcoming renewals":
    funnel = renewals.funnel(wh, filters)
    if funnel.is_empty():
        notices.no_rows("open renewals")
        st.stop()
    overdue = funnel.filter(funnel["due_window"] == "overdue")
    soon = funnel.filter(funnel["due_window"].is_in(["overdue", "0-30 days"]))
    at_risk = funnel.filter(funnel["forecast"] == "at_risk")
    kpi.kpi_row([
        kpi.Tile("Open renewals", kpi.number(funnel["renewals"].sum()), DEFINITIONS["due_window"]),
        kpi.Tile("ARR up for renewal", kpi.money(funnel["arr_up"].sum()), DEFINITIONS["due_window"]),
        kpi.Tile("Past due, still open", kpi.number(overdue["renewals"].sum()),
                 "Renewals whose term has ended without an outcome.",
                 delta=f"{kpi.money(overdue['arr_up'].sum())} ARR" if overdue.height else None, delta_color="off"),
        kpi.Tile("ARR due in 30 days", kpi.money(soon["arr_up"].sum()),
                 "ARR of open renewals due in the next 30 days or already past due."),
        kpi.Tile("CRM forecast at risk", kpi.money(at_risk["arr_up"].sum()),
                 f"ARR up for renewal whose forecast category is {labels.FORECASTS['at_risk'].lower()}."),
    ])
    left = right = st.container(horizontal=True, wrap=True, gap="medium")  # wraps on a laptop
    measure = left.segmented_control("Measure", ["arr_up", "renewals"], key=keep("renewals_measure", "arr_up"),
                                     format_func={"arr_up": "ARR", "renewals": "Count"}.get) or "arr_up"
    colour = right.segmented_control("Colour by", ["forecast", "stage"], key=keep("renewals_colour", "forecast"),
                                     format_func=str.capitalize) or "forecast"
    event = st.plotly_chart(charts.build_renewal_funnel(funnel, measure, colour), key="renewals_funnel_chart",
                            on_select="rerun", selection_mode="points")
    window_of = {labels.DUE_WINDOWS[w]: w for w in DUE_WINDOWS}  # the chart shows each window's label
    clicked = sorted({window_of.get(point["x"], point["x"]) for point in event.selection.points},
                     key=DUE_WINDOWS.index) if event and event.selection else []

    st.subheader("Accounts behind the funnel")
    if clicked:
        st.caption(f"Showing the bar you clicked ({', '.join(md(labels.DUE_WINDOWS[w]) for w in clicked)}). "
                   f"Double-click the chart to clear.")
        windows = clicked
    else:
        windows = st.multiselect("Due window (or click a bar above)", DUE_WINDOWS,
                                 format_func=labels.mapping("due_window"),
                                 key=keep("renewals_windows", list(DUE_WINDOWS)), placeholder="All windows")
    behind = renewals.funnel_accounts(wh, filters, tuple(windows))
    total = funnel.filter(funnel["due_window"].is_in(windows or DUE_WINDOWS))["renewals"].sum()
    if total > behind.height:
        st.caption(f"The {behind.height:,} soonest of {total:,} open renewals; narrow with the filters or a bar.")
    tables.account_table(behind, key="renewals_accounts", filename="open_renewals.csv",
                         columns=tables.RENEWAL_COLUMNS)
elif view == "CSM forecast":
    rollup_view(wh, filters)
elif view == "Forecast accuracy":
    accuracy_view(wh, filters, as_of)
else:
    left, right = st.columns([2, 1])
    with left:
        period = period_picker(as_of, key="renewals_period")
    grain = right.segmented_control("By", ["month", "quarter"], key=keep("renewals_grain", "quarter"),
                                    format_func=str.capitalize) or "quarter"
    st.caption("Renewals belong to the period their term ends in. History uses the segment, team and CSM "
               "filters; lifecycle stage and activity tier describe accounts today and are not applied.")
    total = renewals.rates(wh, filters, period.start, period.end)
    if total.is_empty() or not total["decided"][0]:
        notices.no_rows("decided renewals")
        st.stop()
    t = total.row(0, named=True)
    before = periods.prior(period)
    earlier = renewals.rates(wh, filters, before.start, before.end)
    e = earlier.row(0, named=True) if earlier.height else {}

    def rate_tile(label: str, column: str) -> kpi.Tile:
        return kpi.Tile(label, kpi.percent(t[column]), DEFINITIONS[column] + periods.compared_with(period),
                        delta=periods.change(t[column], e.get(column), "rate"))
    kpi.kpi_row([
        rate_tile("Logo renewal rate", "logo_renewal_rate"),
        rate_tile("GRR (pure)", "grr"),
        rate_tile("NRR", "nrr"),
        kpi.Tile("Renewals decided", kpi.number(t["decided"]), DEFINITIONS["logo_renewal_rate"],
                 delta=f"{t['still_open']} still open" if t["still_open"] else None, delta_color="off"),
        kpi.Tile("ARR up for renewal", kpi.money(t["arr_up"]), DEFINITIONS["grr"]),
    ])
    st.caption(f"{period.named_with_dates}. Logo rate = renewed ÷ "
               f"decided; GRR caps each renewal at its prior ARR; NRR includes expansion.")
    trend = renewals.rates(wh, filters, period.start, period.end, grain)
    st.plotly_chart(charts.build_rates_trend(periods.label_buckets(trend, "period", grain, period.start, period.end)),
                    key="renewals_trend_chart")
    by_segment = renewals.rates(wh, filters, period.start, period.end, None, by_segment=True)
    st.plotly_chart(charts.build_rates_by_segment(by_segment), key="renewals_segment_chart")
    st.subheader("By segment and period")
    rates_table = renewals.rates(wh, filters, period.start, period.end, grain, by_segment=True)
    tables.data_table(periods.label_buckets(rates_table, "period", grain, period.start, period.end),
                      key="renewals_rates_table", filename="renewal_rates.csv", columns=tables.RATE_COLUMNS)
