"""Team, for team leads: each CSM's book against the target for their segment, where everyone
sits, what each CSM and team brought in (renewal rates and credited expansion: real money beside
the activity), and suggested account moves to rebalance (a suggestion only: nothing is written)."""
import polars as pl
import streamlit as st

from components import charts, kpi, notices, tables
from components.context import current_viewer, page_context
from components.periods import presets
from components.safe_text import md
from components.state import keep
from planning.rebalance import Candidate, CsmBook, plan
from queries import csm_outcomes, team
from queries.definitions import (ARR_COVERAGE_TARGET, BOOK_TARGETS, DEFINITIONS, OUTCOME_QUARTERS,
                                 SMALL_SAMPLE_BELOW)
from queries.labels import LOADS, SEGMENTS, TEAM_TOTAL

MAX_PLANNED_CSMS = 40  # a lead balances a team, not the whole company at once


def imbalance(value: float) -> str:
    """The rebalancer's imbalance (a sum of shares of target) in percentage points of target."""
    return f"{value * 100:,.0f} pts"

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
    kpi.Tile(LOADS["over"], kpi.number((books["load"] == "over").sum()), DEFINITIONS["book_target"]),
    kpi.Tile(LOADS["under"], kpi.number((books["load"] == "under").sum()), DEFINITIONS["book_target"]),
])

st.subheader("Books by CSM")
tables.data_table(books, key="team_books", filename="csm_workload.csv", columns={  # load and % of target first
    "csm_id": None,
    "csm_name": st.column_config.TextColumn("CSM", pinned=True),
    "load": st.column_config.TextColumn("Load", help=DEFINITIONS["book_target"]),
    "book_load": tables.share_bar("Accounts, % of target", max_value=2, help=DEFINITIONS["book_target"]),
    "arr_load": tables.share_bar(f"ARR, % of ${ARR_COVERAGE_TARGET / 1e6:.0f}M", max_value=2,
                                 help=DEFINITIONS["arr_target"]),
    "accounts": st.column_config.NumberColumn("Accounts"),
    "book_target": st.column_config.NumberColumn("Target", help=DEFINITIONS["book_target"]),
    "arr": tables.money("ARR"),
    "at_risk_arr": tables.money("At-risk ARR", help=DEFINITIONS["at_risk_arr_csm"]),
    "open_flags": st.column_config.NumberColumn("Open flags"),
    "avg_health": st.column_config.NumberColumn("Avg health", format="%.0f"),
    "renewals_due_30d": st.column_config.NumberColumn("Renewals ≤ 30d"),
    "renewable_arr_90d": tables.money("Renewable 90d", help=DEFINITIONS["renewable_arr"]),
    "renewable_arr_180d": tables.money("Renewable 180d", help=DEFINITIONS["renewable_arr"]),
    "onboarding_accounts": st.column_config.NumberColumn("Onboarding"),
    "segment": st.column_config.TextColumn("Segment"),
    "team": st.column_config.TextColumn("Team"),
    "lead_name": st.column_config.TextColumn("Lead"),
})
st.plotly_chart(charts.build_workload_scatter(books), key="team_scatter")

st.subheader("Outcomes by CSM")
window = presets(as_of)[f"Last {OUTCOME_QUARTERS} full quarters"]
st.caption(f"Real money beside the activity above: renewals due and expansions from {window.start:%d %b %Y} to "
           f"{window.end:%d %b %Y} (the last {OUTCOME_QUARTERS} full quarters), each team's row first. "
           f"By the current book: the warehouse keeps only who owns each account today, not who owned it when a "
           f"renewal was decided. Uses the segment, team and CSM filters; lifecycle stage and activity tier "
           f"describe accounts today and are not applied. Rates are blank (–) where nothing was decided.")
outcomes = csm_outcomes.outcomes(wh, filters, window.start, window.end).with_columns(
    csm_name=pl.when(pl.col("team_total")).then(pl.lit(TEAM_TOTAL)).otherwise(pl.col("csm_name")))
tables.table_or_note(outcomes, key="team_outcomes", filename="csm_outcomes.csv", columns={
    "csm_id": None,
    "team_total": None,
    "team": st.column_config.TextColumn("Team", pinned=True, help=DEFINITIONS["csm_outcomes_book"]),
    "csm_name": st.column_config.TextColumn("CSM", pinned=True, help=DEFINITIONS["csm_outcomes_book"]),
    "logo_renewal_rate": tables.percent("Logo rate", help=DEFINITIONS["logo_renewal_rate"]),
    "grr": tables.percent("GRR (pure)", help=DEFINITIONS["grr"]),
    "nrr": tables.percent("NRR", help=DEFINITIONS["nrr"]),
    "decided": st.column_config.NumberColumn("Decided", help="Renewals due in the period with an outcome."),
    "small_sample": st.column_config.CheckboxColumn(f"n < {SMALL_SAMPLE_BELOW}", help=DEFINITIONS["renewal_sample"]),
    "csm_expansion_arr": tables.money("Expansion credited", help=DEFINITIONS["csm_expansion_arr"]),
    "csm_expansions": st.column_config.NumberColumn("Expansions credited", help=DEFINITIONS["csm_expansion_arr"]),
    "sales_expansion_arr": tables.money("Expansion to sales", help=DEFINITIONS["sales_expansion_arr"]),
    "arr_up": tables.money("ARR up", help=DEFINITIONS["grr"]),
    "renewed": st.column_config.NumberColumn("Renewed"),
    "churned": st.column_config.NumberColumn("Churned"),
    "still_open": st.column_config.NumberColumn("Still open",
                                                help="Due in the period, no outcome yet: not in the rates."),
}, note="No CSM in scope.")

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
                               format_func=SEGMENTS.get) or segments[-1]
peers = books.filter(pl.col("segment") == segment)
if peers.height > MAX_PLANNED_CSMS:
    st.info(f"{peers.height} {SEGMENTS[segment]} CSMs are in scope: choose a team in the sidebar to get "
            f"suggestions for it (up to {MAX_PLANNED_CSMS} CSMs at a time).", icon=":material/filter_alt:")
    st.stop()
result = plan(
    [CsmBook(r["csm_id"], r["csm_name"], segment, r["accounts"], r["arr"], BOOK_TARGETS[segment],
             ARR_COVERAGE_TARGET) for r in peers.iter_rows(named=True)],
    [Candidate(r["account_id"], r["name"], r["csm_id"], r["arr"], r["locked_because"])
     for r in team.movable_accounts(wh, filters, segment, movable_only=True).iter_rows(named=True)])
kpi.kpi_row([
    kpi.Tile("Suggested moves", kpi.number(len(result.moves)), "Fewest moves that lower the imbalance."),
    kpi.Tile("Off target now", imbalance(result.imbalance_before), DEFINITIONS["imbalance"]),
    kpi.Tile("Off target after the moves", imbalance(result.imbalance_after),
             DEFINITIONS["imbalance"] + " Never higher than now."),
])
before = {b.csm_id: b for b in result.before}
comparison = pl.DataFrame([{
    "csm": b.name, "load_before": before[b.csm_id].load, "load_after": b.load,
    "accounts_before": before[b.csm_id].accounts, "accounts_after": b.accounts,
    "arr_before": before[b.csm_id].arr, "arr_after": b.arr, "target": b.book_target,
} for b in result.after])
tables.data_table(comparison, key="team_rebalance_before_after", filename="rebalance_before_after.csv", columns={
    "csm": st.column_config.TextColumn("CSM", pinned=True),
    "load_before": st.column_config.TextColumn("Load now", help=DEFINITIONS["book_target"]),
    "load_after": st.column_config.TextColumn("Load after", help=DEFINITIONS["book_target"]),
    "accounts_before": st.column_config.NumberColumn("Accounts now"),
    "accounts_after": st.column_config.NumberColumn("Accounts after"),
    "arr_before": tables.money("ARR now"),
    "arr_after": tables.money("ARR after"),
    "target": st.column_config.NumberColumn("Target accounts"),
})
if result.moves:
    moves = pl.DataFrame([vars(m) for m in result.moves]).drop("gain")
    tables.data_table(moves, key="team_rebalance_moves", filename="suggested_moves.csv", columns={
        "account_id": None,
        "account_name": st.column_config.TextColumn("Account"),
        "arr": tables.money("ARR"),
        "from_csm": st.column_config.TextColumn("From"),
        "to_csm": st.column_config.TextColumn("To"),
        "reason": st.column_config.TextColumn("Why", width="large"),
    })
else:
    st.success("No move would bring this segment closer to target.", icon=":material/check_circle:")
