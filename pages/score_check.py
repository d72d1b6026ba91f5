"""Score check, for leadership and CS operations: did the health score, its components and the
signal rules foretell the renewals that followed? And what would other component weights have
told? (A what-if only: the warehouse's score stays the one every other page shows.)"""
import polars as pl
import streamlit as st

from components import kpi, tables
from components import writeback_forms as forms
from components.context import current_viewer, page_context
from components.registry import page as registered
from components.safe_text import md
from components.state import keep
from queries import labels, roles, score_check, weight_proposals
from queries.definitions import (DEFINITIONS, HEALTH_BANDS, SCORE_CHECK_LEAD_DAYS, SCORE_CHECK_QUARTERS,
                                 SCORE_CHECK_RULES_NOT_COVERED, SIGNAL_RULES, SMALL_SAMPLE_BELOW)

VIEWS = registered("pages/score_check.py").views.options  # score check, signals, what-if

wh, filters, as_of = page_context()
st.title("Score check")
st.caption(f"Data as of {as_of:%d %b %Y}. Does the health score foretell renewals? Decided renewals against the "
           f"account's health before the due date. Segment, team and CSM filters apply; stage and activity "
           f"describe accounts today and are ignored here.")
view = st.segmented_control("View", list(VIEWS), key=keep("score_check_view", VIEWS[0]),
                            bind="query-params") or VIEWS[0]
with st.container(horizontal=True, wrap=True, gap="medium"):
    quarters = st.segmented_control("Renewals due in the last", list(SCORE_CHECK_QUARTERS),
                                    key=keep("score_check_quarters", SCORE_CHECK_QUARTERS[0]),
                                    format_func=lambda q: f"{q} quarters") or SCORE_CHECK_QUARTERS[0]
    lead_days = st.segmented_control("Health looked at", sorted(SCORE_CHECK_LEAD_DAYS),
                                     key=keep("score_check_lead_days", SCORE_CHECK_LEAD_DAYS[0]),
                                     format_func=lambda n: f"{n} days before due") or SCORE_CHECK_LEAD_DAYS[0]

if not score_check.any_decided(wh, filters, as_of, quarters, lead_days):
    st.info("No decided renewal is due in this span for the accounts these filters keep, so there is nothing to "
            "check the score against. Widen the span or the filters.",
            icon=":material/info:")
    st.stop()

SMALL = f"Fewer than {SMALL_SAMPLE_BELOW} renewals behind the figure: read it as a hint, not a finding."
BAND_COLUMNS = {
    "band": st.column_config.TextColumn("Band", help=DEFINITIONS["score_check"]),
    "decided": st.column_config.NumberColumn("Renewals decided", help=DEFINITIONS["score_check"]),
    "renewed": st.column_config.NumberColumn("Renewed"),
    "churned": st.column_config.NumberColumn("Churned"),
    "contracted": st.column_config.NumberColumn("Renewed for less", help=DEFINITIONS["bad_outcome"]),
    "arr_up": tables.money("ARR up", help=DEFINITIONS["grr"]),
    "logo_renewal_rate": tables.percent("Logo renewal rate", help=DEFINITIONS["logo_renewal_rate"]),
    "grr": tables.percent("GRR", help=DEFINITIONS["grr"]),
    "small_sample": st.column_config.CheckboxColumn(f"n < {SMALL_SAMPLE_BELOW}", help=SMALL),
    "logo_spread": None, "grr_spread": None, "spread_small_sample": None, "weights": None,
}


def points(value) -> str:
    """A spread of two rates, in percentage points."""
    return "–" if value is None else f"{value * 100:+.1f} pp"


def spread_tiles(frame: pl.DataFrame, prefix: str = "") -> list[kpi.Tile]:
    row = frame.row(0, named=True)
    by_band = {r["band"]: r for r in frame.iter_rows(named=True)}
    small = "small sample" if row["spread_small_sample"] else None
    return [
        kpi.Tile(f"{prefix}Green renews", kpi.percent((by_band.get("green") or {}).get("logo_renewal_rate")),
                 DEFINITIONS["logo_renewal_rate"] + " " + DEFINITIONS["score_check"]),
        kpi.Tile(f"{prefix}Red renews", kpi.percent((by_band.get("red") or {}).get("logo_renewal_rate")),
                 DEFINITIONS["logo_renewal_rate"] + " " + DEFINITIONS["score_check"]),
        kpi.Tile(f"{prefix}Spread, logo", points(row["logo_spread"]), DEFINITIONS["band_spread"],
                 delta=small, delta_color="off"),
        kpi.Tile(f"{prefix}Spread, GRR", points(row["grr_spread"]), DEFINITIONS["band_spread"] + " " + DEFINITIONS["grr"],
                 delta=small, delta_color="off"),
    ]


if view != VIEWS[2]:  # the What-if compares its own band tables
    base = score_check.base_rates(wh, filters, as_of, quarters, lead_days)
if view == VIEWS[0]:
    bands = score_check.bands(wh, filters, as_of, quarters, lead_days)
    kpi.kpi_row([
        kpi.Tile("Renewals decided", kpi.number(base["decided"]), DEFINITIONS["score_check"],
                 delta=f"{kpi.number(base['scored'])} with a score", delta_color="off"),
        kpi.Tile("Logo renewal rate", kpi.percent(base["logo_renewal_rate"]), DEFINITIONS["logo_renewal_rate"]),
        *spread_tiles(bands),
    ])
    st.subheader("Renewal outcome by health band", anchor=False)
    tables.data_table(labels.humanize(bands, like={"band": "health_band"}), key="score_check_bands",
                      filename="score_check_bands.csv", columns=BAND_COLUMNS)

    st.subheader("Which components tell renewals apart", anchor=False)
    st.caption(DEFINITIONS["quartile_spread"])
    parts = score_check.component_spreads(wh, filters, as_of, quarters, lead_days)
    tables.table_or_note(parts.drop("component"), key="score_check_components", filename="score_check_components.csv", columns={
        "bottom_cut": None, "top_cut": None,
        "label": st.column_config.TextColumn("Component"),
        "weight": tables.percent("Weight now", help="The component's weight in the warehouse's score."),
        "with_value": st.column_config.NumberColumn("Renewals with a value", help=DEFINITIONS["quartile_spread"]),
        "bottom_n": st.column_config.NumberColumn("Bottom quartile", help=DEFINITIONS["quartile_spread"]),
        "bottom_rate": tables.percent("Renewed, bottom", help=DEFINITIONS["quartile_spread"]),
        "top_n": st.column_config.NumberColumn("Top quartile", help=DEFINITIONS["quartile_spread"]),
        "top_rate": tables.percent("Renewed, top", help=DEFINITIONS["quartile_spread"]),
        "spread": tables.percent("Spread (points)", help=DEFINITIONS["quartile_spread"]),
        "small_sample": st.column_config.CheckboxColumn(f"n < {SMALL_SAMPLE_BELOW}", help=SMALL),
    }, note="No health component had a value before these renewals.")
    missing = [r["label"] for r in score_check.components(wh).iter_rows(named=True)
               if r["component"] not in set(parts["component"].to_list() if parts.height else [])]
    if missing:
        st.caption("No value before any of these renewals, so not shown: " + ", ".join(map(md, missing)) + ".")

elif view == VIEWS[1]:  # its own view: judging each rule on every day of history is still the heaviest query
    st.subheader("Did the signals flag the renewals that were lost", anchor=False)
    st.caption(f"{DEFINITIONS['signal_precision']} {DEFINITIONS['signal_recall']} For comparison: "
               f"{kpi.percent(base['bad'] / base['decided'])} of all decided renewals churned or contracted.")
    hits = score_check.signal_hits(wh, filters, as_of, quarters, lead_days)
    tables.data_table(labels.humanize(hits), key="score_check_signals", filename="score_check_signals.csv", columns={
        "rule": st.column_config.TextColumn("Signal"),
        "evaluated": st.column_config.NumberColumn("Renewals judged", help=DEFINITIONS["signal_evaluated"]),
        "fired": st.column_config.NumberColumn("Flagged", help=DEFINITIONS["signal_precision"]),
        "fired_bad": st.column_config.NumberColumn("Flagged, then lost or shrank", help=DEFINITIONS["bad_outcome"]),
        "precision": tables.percent("Precision", help=DEFINITIONS["signal_precision"]),
        "churned": st.column_config.NumberColumn("Churned", help=DEFINITIONS["signal_recall"]),
        "churned_flagged": st.column_config.NumberColumn("Churned, flagged", help=DEFINITIONS["signal_recall"]),
        "recall": tables.percent("Recall", help=DEFINITIONS["signal_recall"]),
        "precision_small": st.column_config.CheckboxColumn(f"Flagged < {SMALL_SAMPLE_BELOW}", help=SMALL),
        "recall_small": st.column_config.CheckboxColumn(f"Churned < {SMALL_SAMPLE_BELOW}", help=SMALL),
    })
    with st.expander("Rules not checked here, and why"):
        for rule, why in SCORE_CHECK_RULES_NOT_COVERED.items():
            st.text(f"{SIGNAL_RULES[rule].label}: {why}.")
else:
    viewer = current_viewer()
    parts = score_check.components(wh)
    st.caption("Try other weights for the score's components: the band table is recomputed over the same renewals "
               "under the current and the proposed weights, side by side. A component with no data is left out and "
               "its weight spread over the others, as in the warehouse. Nothing here changes the score the app "
               "shows; a proposal is saved for the data team that owns the scoring.")
    with st.form("score_check_weights", border=True):
        with st.container(horizontal=True, wrap=True, gap="small"):
            chosen = {r["component"]: st.number_input(  # the warehouse's words: escaped, never Markdown
                md(r["label"]), min_value=0, max_value=100, step=5, value=round(r["weight"] * 100),
                key=f"score_check_weight_{r['component']}", help=md(r["description"]), width=170)
                for r in parts.iter_rows(named=True)}
        st.form_submit_button("Recompute", icon=":material/calculate:")
    total = sum(chosen.values())
    if not total:
        st.warning("Give at least one component a weight.", icon=":material/block:")
        st.stop()
    if total != 100:
        st.caption(f"The weights add up to {total}%: only their proportions count here; a proposal must add up "
                   f"to 100%.")
    weights = tuple(sorted((c, w / 100) for c, w in chosen.items()))
    compared = score_check.what_if(wh, filters, as_of, quarters, lead_days, weights)
    current = compared.filter(pl.col("weights") == "current")
    proposed = compared.filter(pl.col("weights") == "proposed")
    kpi.kpi_row([*spread_tiles(current, "Now: ")[2:], *spread_tiles(proposed, "Proposed: ")[2:]])
    side = (current.select("band", "decided", "logo_renewal_rate", "grr")
            .join(proposed.select("band", pl.col("decided").alias("decided_proposed"),
                                  pl.col("logo_renewal_rate").alias("logo_renewal_rate_proposed"),
                                  pl.col("grr").alias("grr_proposed"), pl.col("small_sample").alias("small_proposed")),
                  on="band", how="full", coalesce=True)
            .sort(pl.col("band").replace_strict({b: i for i, b in enumerate(HEALTH_BANDS)}, default=99)))
    tables.data_table(labels.humanize(side, like={"band": "health_band"}), key="score_check_what_if",
                      filename="score_check_what_if.csv", columns={
        "band": BAND_COLUMNS["band"],
        "decided": st.column_config.NumberColumn("Now: renewals", help=DEFINITIONS["score_check"]),
        "logo_renewal_rate": tables.percent("Now: logo rate", help=DEFINITIONS["logo_renewal_rate"]),
        "grr": tables.percent("Now: GRR", help=DEFINITIONS["grr"]),
        "decided_proposed": st.column_config.NumberColumn("Proposed: renewals", help=DEFINITIONS["score_check"]),
        "logo_renewal_rate_proposed": tables.percent("Proposed: logo rate", help=DEFINITIONS["logo_renewal_rate"]),
        "grr_proposed": tables.percent("Proposed: GRR", help=DEFINITIONS["grr"]),
        "small_proposed": st.column_config.CheckboxColumn(f"Proposed n < {SMALL_SAMPLE_BELOW}", help=SMALL),
    })
    st.caption("'Now' recomputes each score from its components under the warehouse's weights, so the two columns "
               "differ only in the weights (it can differ by a renewal or two from the score check's table, "
               "which reads the warehouse's rounded score).")

    st.subheader("Proposals", anchor=False)
    forms.show_flash()
    if roles.may_propose_health_weights(viewer):
        forms.weight_proposal_form(wh, viewer, dict(weights), dict(zip(parts["component"], parts["label"])),
                                   lead_days, quarters)
    else:
        st.caption("CS operations and leadership can save a proposal for the data team.")
    saved = weight_proposals.history(wh)
    if saved.is_empty():
        st.caption("No proposal saved yet.")
    else:
        names = dict(zip(parts["component"].to_list(), parts["label"].to_list()))
        wide = (saved.with_columns(pl.col("component").replace_strict(names, default=pl.col("component")))
                .pivot("component", index=["version", "proposed_at", "proposed_by_name", "proposed_by", "note",
                                           "lead_days", "quarters"], values="weight"))
        tables.data_table(wide, key="score_check_proposals", filename="health_weight_proposals.csv", columns={
            "version": st.column_config.NumberColumn("Version", format="%d"),
            "proposed_at": st.column_config.DatetimeColumn("Saved at (UTC)", format="YYYY-MM-DD HH:mm"),
            "proposed_by_name": st.column_config.TextColumn("By"),
            "proposed_by": None,
            "note": st.column_config.TextColumn("Note", width="large"),
            "lead_days": st.column_config.NumberColumn("Days before due"),
            "quarters": st.column_config.NumberColumn("Quarters"),
            **{label: tables.percent(label) for label in names.values()},
        })
