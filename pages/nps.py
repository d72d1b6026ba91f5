"""NPS, for leadership and leads: the score and its mix over time with response rates, by segment,
team and CSM, and the latest detractor comments with what is at stake on each account."""
import streamlit as st

from components import charts, kpi, notices, periods, tables
from components.context import page_context
from components.periods import period_picker
from components.state import keep
from queries import labels, nps
from queries.definitions import DEFINITIONS, SMALL_SAMPLE_BELOW

wh, filters, as_of = page_context()
st.title("NPS")
st.caption(f"Data as of {as_of:%d %b %Y}. {DEFINITIONS['nps']}")

left, right = st.columns([2, 1])
with left:
    period = period_picker(as_of, key="nps_period", default="Last 12 months")
grain = right.segmented_control("By", ["month", "quarter"], key=keep("nps_grain", "month"),
                                format_func=str.capitalize) or "month"
group_labels = {g: labels.column(g) for g in ("segment", "team", "csm")}
group = st.session_state.get("nps_group") or "segment"  # read before the widget, for the one query
trend = nps.nps_by_period(wh, filters, period.start, period.end, grain, group)
if trend.is_empty():
    notices.no_rows("surveys sent in this period")
    st.stop()
total = nps.nps_by_group(wh, filters, period.start, period.end, None, grain).row(0, named=True)
before = periods.prior(period)
earlier = nps.nps_by_group(wh, filters, before.start, before.end, None, grain)
earlier = earlier.row(0, named=True) if earlier.height else {"nps": None, "response_rate": None}
kpi.kpi_row([
    kpi.Tile("NPS", kpi.number(total["nps"]), DEFINITIONS["nps"] + periods.compared_with(period),
             delta=periods.change(total["nps"], earlier["nps"])),
    kpi.Tile("Answers", kpi.number(total["responses"]), DEFINITIONS["response_rate"],
             delta=f"fewer than {SMALL_SAMPLE_BELOW}: small sample" if total["small_sample"] else None,
             delta_color="off"),
    kpi.Tile("Response rate", kpi.percent(total["response_rate"]),
             DEFINITIONS["response_rate"] + periods.compared_with(period),
             delta=periods.change(total["response_rate"], earlier["response_rate"], "rate")),
    kpi.Tile("Detractors", kpi.number(total["detractors"]), DEFINITIONS["nps"]),
])
st.plotly_chart(charts.build_nps_trend(periods.label_buckets(trend, "period", grain, period.start, period.end)),
                key="nps_trend_chart")
if periods.partial_buckets(trend["period"].to_list(), grain, period.start, period.end):
    st.caption(f"A {grain} the period covers only in part says which days it holds: its NPS rests on fewer surveys.")

group = st.segmented_control("Break down by", list(group_labels), key=keep("nps_group", "segment"),
                             format_func=group_labels.get) or "segment"
by_group = nps.nps_by_group(wh, filters, period.start, period.end, group, grain)
by_group = labels.humanize(by_group, like={"grp": group})  # segment codes read as words
st.plotly_chart(charts.build_nps_by_group(by_group, group_labels[group]), key="nps_group_chart")
nps_columns = {
    "grp": st.column_config.TextColumn(group_labels[group]),
    "period": st.column_config.TextColumn("Period"),
    "nps": st.column_config.NumberColumn("NPS", format="%.0f", help=DEFINITIONS["nps"]),
    "response_rate": tables.percent("Response rate", help=DEFINITIONS["response_rate"]),
    "small_sample": st.column_config.CheckboxColumn(f"n < {SMALL_SAMPLE_BELOW}"),
}
with st.expander("Numbers by period and by group"):
    tables.data_table(labels.humanize(periods.label_buckets(trend, "period", grain, period.start, period.end),
                                      like={"grp": group}), key="nps_trend_table",
                      filename="nps_by_period.csv", columns=nps_columns)
    tables.data_table(by_group, key="nps_group_table", filename=f"nps_by_{group}.csv", columns=nps_columns)

st.subheader("Latest detractor comments")
tables.account_table(nps.detractor_comments(wh, filters), key="nps_comments", filename="detractor_comments.csv",
                     empty="detractor comments", columns=tables.ordered({
                         **tables.ACCOUNT_COLUMNS,
                         "responded_at": st.column_config.DatetimeColumn("Answered", format="YYYY-MM-DD"),
                         "score": st.column_config.NumberColumn("Score"),
                         "comment": st.column_config.TextColumn("Comment", width="large"),
                         "contact": st.column_config.TextColumn("Contact"),
                         "open_flag": st.column_config.CheckboxColumn("Risk flag open"),
                     }, ["account_id", "name", "health_score", "health_band", "score", "responded_at", "arr",
                         "renewal_due_date", "comment", "open_flag"]))
