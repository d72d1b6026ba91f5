"""Portfolio health, for leadership and team leads: how healthy the live book is, where the
risk sits (by segment, stage, activity, team) and which accounts need help first."""
import streamlit as st

from components import charts, kpi, notices, tables
from components.context import page_context
from components.state import keep
from queries import labels, portfolio, signals
from queries.definitions import ACTIVITY_TIERS, DEFINITIONS

wh, filters, as_of = page_context()
st.title("Portfolio health")
st.caption(f"Data as of {as_of:%d %b %Y}, the newest weekly health snapshot.")

k = portfolio.kpis(wh, filters)
if k["accounts"] == 0:
    notices.no_rows()
    st.stop()
health_change = (None if k["avg_health"] is None or k["avg_health_4w_ago"] is None
                 else k["avg_health"] - k["avg_health_4w_ago"])
kpi.kpi_row([
    kpi.Tile("Accounts", kpi.number(k["accounts"]), DEFINITIONS["accounts"]),
    kpi.Tile("ARR", kpi.money(k["arr"]), DEFINITIONS["arr"]),
    kpi.Tile("Average health", kpi.number(k["avg_health"]), DEFINITIONS["avg_health"],
             delta=None if health_change is None else f"{health_change:+.1f} vs 4 weeks ago"),
    kpi.Tile("ARR at risk (red)", kpi.money(k["at_risk_arr"]), DEFINITIONS["at_risk_arr"]),
    kpi.Tile("Green accounts", kpi.percent(k["green_share"]), DEFINITIONS["green_share"]),
])

dimension_labels = {d: labels.column(d) for d in ("segment", "lifecycle_stage", "activity_tier", "team", "csm")}
left = right = st.container(horizontal=True, wrap=True, gap="medium")  # wraps on a laptop
dimension = left.segmented_control("Break down by", list(dimension_labels), format_func=dimension_labels.get,
                                   key=keep("portfolio_dimension", "segment")) or "segment"
measure = right.segmented_control("Measure", ["arr", "accounts"], key=keep("portfolio_measure", "arr"),
                                  format_func={"arr": "ARR", "accounts": "Accounts"}.get) or "arr"
mix = portfolio.band_mix(wh, filters, dimension)
st.plotly_chart(charts.build_band_mix(mix, measure, dimension_labels[dimension], dimension), key="portfolio_mix_chart")
with st.expander("Numbers behind the chart"):
    tables.data_table(mix.rename({"bucket": dimension}), key="portfolio_mix_table", filename="health_mix.csv",
                      columns={dimension: st.column_config.TextColumn(dimension_labels[dimension])})

trend = portfolio.health_trend(wh, filters)
st.plotly_chart(charts.build_health_trend(trend), key="portfolio_trend_chart")

st.subheader("Signals firing now")
st.caption("Accounts per signal rule (one per account and rule while it holds), risks first. Open an account's "
           "page, or a CSM's My accounts, for the evidence and since when.")
fired = signals.counts(wh, filters)
if fired.is_empty():
    st.success("No signal rule fires for the accounts in scope.", icon=":material/check_circle:")
else:
    tables.data_table(fired, key="portfolio_signals", filename="signals.csv", columns=tables.SIGNAL_COLUMNS)
with st.expander("The signal rules"):
    tables.signal_rules(key="portfolio_rules")

# Opened on demand: the movement compares the whole book with itself 90 days ago (a second of
# PostgreSQL at 200k accounts), and its query runs only while the expander is open.
movement_box = st.expander("Activity tier movement, last 90 days", key="portfolio_tier_open", on_change="rerun")
if movement_box.open:
    with movement_box:
        st.caption(DEFINITIONS["tier_movement"]
                   + " Segment, team and CSM filters apply; stage and tier filters do not.")
        movement = portfolio.tier_movement(wh, filters)
        st.plotly_chart(charts.build_tier_movement(movement, ACTIVITY_TIERS), key="portfolio_tier_chart")
        tables.data_table(movement, key="portfolio_tier_table", filename="tier_movement.csv")

st.subheader("Lowest-health accounts")
limit = st.segmented_control("Show", [25, 50, 100], key=keep("portfolio_limit", 25)) or 25
tables.account_table(portfolio.lowest_health(wh, filters, limit), key="portfolio_lowest",
                     filename="lowest_health_accounts.csv")
