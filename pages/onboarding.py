"""Onboarding, for leads and CSMs: how each signing cohort gets through the 7/14/30/60/90-day
milestones, how long it takes to go live, and which accounts are onboarding now and slipping."""
import datetime as dt

import streamlit as st

from components import charts, kpi, notices, periods, tables
from components.context import page_context
from components.state import keep
from queries import onboarding
from queries.definitions import DEFINITIONS

wh, filters, as_of = page_context()
st.title("Onboarding")
st.caption(f"Data as of {as_of:%d %b %Y}. Milestones at 7, 14, 30 (go-live), 60 and 90 days from the start of a "
           f"new or win-back contract.")

summary = onboarding.onboarding_summary(wh, filters)
kpi.kpi_row([
    kpi.Tile("Accounts in onboarding", kpi.number(summary["accounts"]), DEFINITIONS["lifecycle_stage"]),
    kpi.Tile("With an overdue milestone", kpi.number(summary["with_overdue"] or 0), DEFINITIONS["milestone_state"]),
    kpi.Tile("Go-live slipped", kpi.number(summary["go_live_slipped"] or 0),
             "Go-live (day 30) completed after its due date, or past due and not done."),
    kpi.Tile("ARR in onboarding", kpi.money(summary["arr"]), DEFINITIONS["arr"]),
])

left, right = st.columns([2, 1])
since = left.selectbox("Cohorts signed since", [as_of.year - 2, as_of.year - 1, as_of.year],
                       key=keep("onboarding_since", as_of.year - 1))
grain = right.segmented_control("Cohort", ["month", "quarter"], key=keep("onboarding_grain", "quarter"),
                                format_func=str.capitalize) or "quarter"
matrix = onboarding.milestone_matrix(wh, filters, dt.date(since, 1, 1), grain)
if matrix.is_empty():
    notices.no_rows("onboardings in these cohorts")
else:
    st.plotly_chart(charts.build_milestone_heatmap(matrix, grain), key="onboarding_heatmap")
    st.caption(DEFINITIONS["on_time_rate"])
    with st.expander("Milestone counts by cohort"):
        tables.data_table(periods.label_buckets(matrix, "cohort", grain), key="onboarding_matrix_table",
                          filename="milestones_by_cohort.csv", columns={
            "cohort": st.column_config.TextColumn("Cohort"),
            "on_time_rate": tables.percent("On-time rate", help=DEFINITIONS["on_time_rate"]),
            "not_due": st.column_config.NumberColumn("Not due yet"),
        })
    st.subheader("Time to value")
    ttv = onboarding.time_to_value(wh, filters, dt.date(since, 1, 1), grain)
    tables.data_table(periods.label_buckets(ttv, "cohort", grain), key="onboarding_ttv_table",
                      filename="time_to_value.csv", columns={
        "cohort": st.column_config.TextColumn("Cohort"),
        "segment": st.column_config.TextColumn("Segment"),
        "accounts": st.column_config.NumberColumn("Accounts"),
        "live_accounts": st.column_config.NumberColumn("Gone live"),
        "median_days_to_live": st.column_config.NumberColumn("Median days to go-live", format="%.0f",
                                                             help=DEFINITIONS["time_to_value"]),
    })

st.subheader("Onboarding now")
now = onboarding.in_onboarding(wh, filters)
if summary["accounts"] > now.height:
    st.caption(f"The {now.height:,} most behind of {summary['accounts']:,}; narrow the list with the sidebar filters.")
now_columns = tables.ordered({  # the milestone that is late leads, after the account and its health
    **tables.ACCOUNT_COLUMNS,
    "customer_since": tables.date("Started"),
    "days_in": st.column_config.NumberColumn("Day"),
    "next_milestone": st.column_config.TextColumn("Next milestone"),
    "next_due_date": tables.date("Due"),
    "days_late": st.column_config.NumberColumn("Days late"),
    "milestones_done": st.column_config.NumberColumn("Done"),
    "milestones_overdue": st.column_config.NumberColumn("Overdue"),
    "go_live_slipped": st.column_config.CheckboxColumn("Go-live slipped"),
    "went_live_on": tables.date("Went live"),
}, ["account_id", "name", "health_score", "health_band", "next_milestone", "next_due_date", "days_late",
    "milestones_overdue", "arr"])
tables.account_table(now, key="onboarding_now", filename="in_onboarding.csv", empty="accounts in onboarding",
                     columns=now_columns)
