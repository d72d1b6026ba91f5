"""Team, for team leads: each CSM's book against the target for their segment, where everyone
sits, and suggested account moves to rebalance (a suggestion only: nothing is written)."""
import polars as pl
import streamlit as st

from components import charts, kpi, notices, tables
from components.context import current_viewer, page_context
from components.safe_text import md
from components.state import keep
from planning.rebalance import Candidate, CsmBook, plan
from queries import team
from queries.definitions import ARR_COVERAGE_TARGET, BOOK_TARGETS, DEFINITIONS, SEGMENT_LABELS

MAX_PLANNED_CSMS = 40  # a lead balances a team, not the whole company at once

wh, filters, as_of = page_context()
viewer = current_viewer()
st.title("Team")
scope = "all teams" if not filters.teams else ", ".join(map(md, filters.teams))
st.caption(f"Data as of {as_of:%d %b %Y}. Showing {scope} (sidebar Team filter"
           + ("; it starts on your own team)." if not viewer.sees_everything else ")."))

books = team.workload(wh, filters)
if books.is_empty():
    notices.no_rows("CSMs")
    st.stop()
kpi.kpi_row([
    kpi.Tile("CSMs", kpi.number(books.height), "CSMs with accounts in scope."),
    kpi.Tile("Accounts", kpi.number(books["accounts"].sum()), DEFINITIONS["accounts"]),
    kpi.Tile("ARR covered", kpi.money(books["arr"].sum()), DEFINITIONS["arr_target"]),
    kpi.Tile("Over target", kpi.number((books["load"] == "over").sum()), DEFINITIONS["book_target"]),
    kpi.Tile("Under target", kpi.number((books["load"] == "under").sum()), DEFINITIONS["book_target"]),
])

st.subheader("Books by CSM")
tables.data_table(books, key="team_books", filename="csm_workload.csv", columns={
    "csm_id": None,
    "csm_name": st.column_config.TextColumn("CSM"),
    "team": st.column_config.TextColumn("Team"),
    "lead_name": st.column_config.TextColumn("Lead"),
    "segment": st.column_config.TextColumn("Segment"),
    "load": st.column_config.TextColumn("Load", help=DEFINITIONS["book_target"]),
    "accounts": st.column_config.NumberColumn("Accounts"),
    "book_target": st.column_config.NumberColumn("Target", help=DEFINITIONS["book_target"]),
    "book_load": st.column_config.ProgressColumn("Accounts vs target", min_value=0, max_value=2, format="percent"),
    "arr": st.column_config.NumberColumn("ARR", format="dollar"),
    "arr_load": st.column_config.ProgressColumn("ARR vs $2M", min_value=0, max_value=2, format="percent",
                                                help=DEFINITIONS["arr_target"]),
    "renewable_arr_90d": st.column_config.NumberColumn("Renewable 90d", format="dollar", help=DEFINITIONS["renewable_arr"]),
    "renewable_arr_180d": st.column_config.NumberColumn("Renewable 180d", format="dollar", help=DEFINITIONS["renewable_arr"]),
    "at_risk_arr": st.column_config.NumberColumn("At-risk ARR", format="dollar", help=DEFINITIONS["at_risk_arr_csm"]),
    "onboarding_accounts": st.column_config.NumberColumn("Onboarding"),
    "open_flags": st.column_config.NumberColumn("Open flags"),
    "renewals_due_30d": st.column_config.NumberColumn("Renewals ≤ 30d"),
    "avg_health": st.column_config.NumberColumn("Avg health", format="%.0f"),
})
st.plotly_chart(charts.build_workload_scatter(books), key="team_scatter")

st.subheader("Rebalancing suggestions")
st.caption("Moves between CSMs of the same segment that bring each as close as possible to target on accounts "
           "and ARR, fewest moves first. Never moved: accounts in their renewal window or with a renewal in "
           "progress, accounts in onboarding, high-touch accounts (moved by hand only), the tech-touch pool. "
           "A suggestion only: nothing is written to the warehouse.")
segments = [s for s in BOOK_TARGETS if s != "high_touch" and s in books["segment"].to_list()]
if not segments:
    st.info("No segment in scope can be rebalanced automatically.", icon=":material/info:")
    st.stop()
segment = st.segmented_control("Segment", segments, key=keep("team_rebalance_segment", segments[-1]),
                               format_func=SEGMENT_LABELS.get) or segments[-1]
peers = books.filter(pl.col("segment") == segment)
if peers.height > MAX_PLANNED_CSMS:
    st.info(f"{peers.height} {SEGMENT_LABELS[segment]} CSMs are in scope: choose a team in the sidebar to get "
            f"suggestions for it (up to {MAX_PLANNED_CSMS} CSMs at a time).", icon=":material/filter_alt:")
    st.stop()
result = plan(
    [CsmBook(r["csm_id"], r["csm_name"], segment, r["accounts"], r["arr"], BOOK_TARGETS[segment],
             ARR_COVERAGE_TARGET) for r in peers.iter_rows(named=True)],
    [Candidate(r["account_id"], r["name"], r["csm_id"], r["arr"], r["locked_because"])
     for r in team.movable_accounts(wh, filters, segment, movable_only=True).iter_rows(named=True)])
kpi.kpi_row([
    kpi.Tile("Suggested moves", kpi.number(len(result.moves)), "Fewest moves that lower the imbalance."),
    kpi.Tile("Imbalance before", kpi.number(result.imbalance_before, 2),
             "Sum over CSMs of |accounts / target - 1| + |ARR / target - 1|."),
    kpi.Tile("Imbalance after", kpi.number(result.imbalance_after, 2),
             "The same measure once the suggested moves are made; never higher than before."),
])
before = {b.csm_id: b for b in result.before}
comparison = pl.DataFrame([{
    "csm": b.name, "accounts_before": before[b.csm_id].accounts, "accounts_after": b.accounts,
    "arr_before": before[b.csm_id].arr, "arr_after": b.arr, "target": b.book_target,
} for b in result.after])
tables.data_table(comparison, key="team_rebalance_before_after", filename="rebalance_before_after.csv", columns={
    "csm": st.column_config.TextColumn("CSM"),
    "accounts_before": st.column_config.NumberColumn("Accounts now"),
    "accounts_after": st.column_config.NumberColumn("Accounts after"),
    "arr_before": st.column_config.NumberColumn("ARR now", format="dollar"),
    "arr_after": st.column_config.NumberColumn("ARR after", format="dollar"),
    "target": st.column_config.NumberColumn("Target accounts"),
})
if result.moves:
    moves = pl.DataFrame([vars(m) for m in result.moves]).drop("gain")
    tables.data_table(moves, key="team_rebalance_moves", filename="suggested_moves.csv", columns={
        "account_id": None,
        "account_name": st.column_config.TextColumn("Account"),
        "arr": st.column_config.NumberColumn("ARR", format="dollar"),
        "from_csm": st.column_config.TextColumn("From"),
        "to_csm": st.column_config.TextColumn("To"),
        "reason": st.column_config.TextColumn("Why", width="large"),
    })
else:
    st.success("No move would bring this segment closer to target.", icon=":material/check_circle:")
