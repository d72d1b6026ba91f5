"""Retention, for leadership: where ARR came from and went in a period (ARR bridge), why
accounts left (churn reasons) and how each signing cohort holds up (cohort retention)."""
import datetime as dt

import streamlit as st

from components import charts, kpi, notices, periods, tables
from components import writeback_forms as forms
from components.context import current_viewer, page_context
from components.periods import period_picker
from components.state import keep
from queries import renewals, retention, roles
from queries.definitions import DEFINITIONS
from queries.labels import SEGMENTS

wh, filters, as_of = page_context()
st.title("Retention")
st.caption(f"Data as of {as_of:%d %b %Y}. History uses the segment, team and CSM filters; lifecycle stage "
           f"and activity tier describe accounts today and are not applied.")
view = st.segmented_control("View", ["ARR bridge", "Churn reasons", "Cohorts"],
                            key=keep("retention_view", "ARR bridge"), bind="query-params") or "ARR bridge"

if view == "ARR bridge":
    period = period_picker(as_of, key="retention_bridge_period")
    total = retention.arr_bridge(wh, filters, period.start, period.end)
    if total.is_empty():
        notices.no_rows("accounts with ARR in this period")
        st.stop()
    b = total.row(0, named=True)
    rates = renewals.rates(wh, filters, period.start, period.end)  # renewals due in the same period
    r = rates.row(0, named=True) if rates.height else {"grr": None, "nrr": None}
    before = periods.prior(period)
    earlier = renewals.rates(wh, filters, before.start, before.end)
    e = earlier.row(0, named=True) if earlier.height else {}
    kpi.kpi_row([  # GRR and NRR head the page, as on Renewals
        *[kpi.Tile(label, kpi.percent(r[column]), DEFINITIONS[column] + periods.compared_with(period),
                   delta=periods.change(r[column], e.get(column), "rate"))
          for label, column in (("GRR (pure)", "grr"), ("NRR", "nrr"))],
        kpi.Tile("Start ARR", kpi.money(b["start_arr"]), DEFINITIONS["arr_bridge"]),
        kpi.Tile("End ARR", kpi.money(b["end_arr"]), DEFINITIONS["arr_bridge"],
                 delta=kpi.money(b["end_arr"] - b["start_arr"])),
        kpi.Tile("Churned ARR", kpi.money(b["churn"]), DEFINITIONS["arr_bridge"]),
        kpi.Tile("Logo churn rate", kpi.percent(b["churn_rate"]), DEFINITIONS["churn_rate"],
                 delta=f"{kpi.number(b['accounts_churned'])} of {kpi.number(b['accounts_start'])} accounts",
                 delta_color="off"),
    ])
    by_segment = retention.arr_bridge(wh, filters, period.start, period.end, by_segment=True)
    choices = ["all", *by_segment["segment"].to_list()]
    segment = st.segmented_control("Segment", choices, key=keep("retention_bridge_segment", "all"),
                                   format_func=lambda s: "All segments" if s == "all" else SEGMENTS[s]) or "all"
    row = b if segment == "all" else by_segment.filter(by_segment["segment"] == segment).row(0, named=True)
    st.plotly_chart(charts.build_arr_bridge(row, f"ARR bridge, {period.in_sentence}"), key="retention_bridge_chart")
    st.subheader("By segment")
    tables.data_table(by_segment, key="retention_bridge_table", filename="arr_bridge.csv", columns={
        "start_arr": tables.money("Start ARR"),
        "new_arr": tables.money("New"),
        "expansion": tables.money("Expansion"),
        "contraction": tables.money("Contraction"),
        "churn": tables.money("Churn"),
        "end_arr": tables.money("End ARR"),
        "churn_rate": tables.percent("Logo churn", help=DEFINITIONS["churn_rate"]),
        "segment": st.column_config.TextColumn("Segment"),
        "accounts_start": st.column_config.NumberColumn("Accounts at start"),
        "accounts_new": st.column_config.NumberColumn("New accounts"),
        "accounts_churned": st.column_config.NumberColumn("Churned accounts"),
        "accounts_end": st.column_config.NumberColumn("Accounts at end"),
    })

elif view == "Churn reasons":
    period = period_picker(as_of, key="retention_reasons_period")
    reasons = retention.churn_reasons(wh, filters, period.start, period.end)
    if reasons.is_empty():
        notices.no_rows("churned accounts in this period")
        st.stop()
    untagged = reasons.filter(reasons["reason"] == "Untagged")
    kpi.kpi_row([
        kpi.Tile("Churned accounts", kpi.number(reasons["logos"].sum()), "Renewals due in the period that churned."),
        kpi.Tile("Churned ARR", kpi.money(reasons["arr"].sum()), "ARR up for renewal on those churns."),
        kpi.Tile("Still untagged", kpi.percent(untagged["logos"].sum() / reasons["logos"].sum()),
                 "Share of churned accounts with no churn reason tagged yet: the tagging backlog.",
                 delta=f"{kpi.number(untagged['logos'].sum())} accounts", delta_color="off"),
    ])
    measure = st.segmented_control("Measure", ["arr", "logos"], key=keep("retention_reasons_measure", "arr"),
                                   format_func={"arr": "ARR", "logos": "Accounts"}.get) or "arr"
    st.plotly_chart(charts.build_churn_reasons(reasons, measure), key="retention_reasons_chart")
    st.subheader("By quarter, segment and reason")
    tables.data_table(periods.label_buckets(reasons, "quarter", "quarter", period.start, period.end),
                      key="retention_reasons_table", filename="churn_reasons.csv", columns={
        "quarter": st.column_config.TextColumn("Quarter"),
        "segment": st.column_config.TextColumn("Segment"),
        "reason": st.column_config.TextColumn("Primary reason", help="The latest tag's primary reason; "
                                              "'Untagged' until someone tags the account."),
        "logos": st.column_config.NumberColumn("Accounts"),
        "arr": tables.money("Churned ARR"),
    })
    st.subheader("Tag the backlog")
    forms.show_flash()
    backlog = retention.untagged_churns(wh, roles.narrow_to_reach(filters, current_viewer()), period.start, period.end)
    if backlog.is_empty():
        st.caption("Every churned account of this period that you can write on is tagged.")
    else:
        st.caption(f"{backlog.height:,} untagged churned account(s) you can tag, largest ARR first. One tag, "
                   f"several accounts; each keeps its own history.")
        forms.churn_tag_form(wh, current_viewer(), dict(zip(backlog["account_id"].to_list(), backlog["name"].to_list())),
                             key="retention_bulk_tag")
    with st.expander("Reason codes"):
        forms.reason_codes_admin(wh, current_viewer())

else:
    since = st.selectbox("Cohorts signed since", [as_of.year - 3, as_of.year - 2, as_of.year - 1],
                         key=keep("retention_cohort_since", as_of.year - 2))
    cohorts = retention.cohort_retention(wh, filters, dt.date(since, 1, 1))
    if cohorts.is_empty():
        notices.no_rows("cohorts")
        st.stop()
    value = st.segmented_control("Measure", ["logo_retention", "arr_retention"],
                                 key=keep("retention_cohort_measure", "logo_retention"),
                                 format_func={"logo_retention": "Logos", "arr_retention": "ARR"}.get) or "logo_retention"
    st.caption(DEFINITIONS["cohort_retention"])
    st.plotly_chart(charts.build_cohort_curves(cohorts, value), key="retention_cohort_chart")
    matrix = tables.cohort_matrix(cohorts, value)
    months = [c for c in matrix.columns if c.startswith("M")]
    tables.data_table(periods.label_buckets(matrix, "cohort", "quarter"), key="retention_cohort_table",
                      filename="cohort_retention.csv", columns={
        "cohort": st.column_config.TextColumn("Signed in quarter"),
        "cohort_size": st.column_config.NumberColumn("Accounts"),
        **{m: tables.share_bar(f"{m[1:]} mo", max_value=1.2)
           for m in months},
    })
