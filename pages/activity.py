"""CS activity, for team leads: who is being touched and how often, the business reviews and
on-site visits of the quarter against each segment's cadence, and who is being neglected."""
import datetime as dt

import streamlit as st

from components import charts, kpi, notices, periods, tables
from components.context import page_context
from queries import engagement
from queries.definitions import DEFINITIONS

wh, filters, as_of = page_context()
st.title("CS activity")
st.caption(f"Data as of {as_of:%d %b %Y}. Activities on the accounts the sidebar selects, counted for the CSM "
           f"who did them.")

due = engagement.cadence(wh, filters)
if due.is_empty():
    notices.no_rows()
    st.stop()
kpi.kpi_row([
    kpi.Tile("Business reviews this quarter", f"{due['reviews_done'].sum():,} of {due['reviews_due'].sum():,.0f}",
             DEFINITIONS["cadence"]),
    kpi.Tile("On-site visits this quarter", f"{due['visits_done'].sum():,} of {due['visits_due'].sum():,.0f}",
             DEFINITIONS["cadence"]),
    kpi.Tile("Accounts without a touch for too long", kpi.number(due["neglected"].sum()),
             DEFINITIONS["days_since_touch"]),
])

st.subheader("Cadence this quarter, by CSM")
tables.data_table(due, key="activity_cadence", filename="cadence.csv", columns={
    "csm_id": None, "quarter_start": None,
    "csm_name": st.column_config.TextColumn("CSM"),
    "team": st.column_config.TextColumn("Team"),
    "accounts": st.column_config.NumberColumn("Live accounts"),
    "reviews_done": st.column_config.NumberColumn("Reviews done"),
    "reviews_due": st.column_config.NumberColumn("Reviews due so far", format="%.0f",
                                                 help=DEFINITIONS["cadence"] + " Rounded to whole reviews."),
    "visits_done": st.column_config.NumberColumn("Visits done"),
    "visits_due": st.column_config.NumberColumn("Visits due so far", format="%.0f",
                                                help=DEFINITIONS["cadence"] + " Rounded to whole visits; 0 where the "
                                                "segment's cadence has no visits."),
    "neglected": st.column_config.NumberColumn("Too long without a touch", help=DEFINITIONS["days_since_touch"]),
})

st.subheader(f"Activities per week, last {engagement.WEEKS} weeks and this one")
weeks = engagement.weekly_by_kind(wh, filters)
this_week = as_of - dt.timedelta(days=as_of.weekday())
st.plotly_chart(charts.build_activity_weeks(periods.label_buckets(weeks, "week", "week", weeks["week"].min() or as_of,
                                                                  as_of)), key="activity_weeks_chart")
if as_of.weekday() < 6:
    st.caption(f"Whole weeks, Monday to Sunday; the week of {this_week:%d %b} holds only the days up to {as_of:%d %b}.")
per_week = {"per_week": "All", "call_per_week": "Calls", "email_per_week": "Emails", "meeting_per_week": "Meetings",
            "onsite_visit_per_week": "Visits", "business_review_per_week": "Reviews", "training_per_week": "Trainings"}
tables.data_table(engagement.per_csm(wh, filters), key="activity_per_csm", filename="activities_per_csm.csv",
                  columns={"csm_id": None, "csm_name": st.column_config.TextColumn("CSM"),
                           "team": st.column_config.TextColumn("Team"),
                           **{column: st.column_config.NumberColumn(f"{label} / week", format="%.1f")
                              for column, label in per_week.items()}})

st.subheader("Neglected accounts")
st.caption(DEFINITIONS["days_since_touch"])
tables.account_table(engagement.neglected(wh, filters), key="activity_neglected", filename="neglected_accounts.csv",
                     empty="neglected accounts")
