"""The renewal forecast CSMs own, on screen: the Renewals page's roll-up (the latest forecasts
against the ARR up for renewal, beside the CRM's forecast) and accuracy (once renewals close), and
the account page's section where a CSM or lead records one and reads its history."""
from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from components import charts, kpi, notices, tables
from components import writeback_forms as forms
from components.periods import period_picker
from components.safe_text import md
from components.state import keep
from queries import forecast_rollup as fr
from queries import forecasts, labels
from queries.db import Warehouse
from queries.definitions import (DEFINITIONS, FORECAST_CALLS_CHURN, FORECAST_CALLS_RENEWAL,
                                 FORECAST_WEEKS_BEFORE_DUE, NO_FORECAST)
from queries.scope import Filters

# The roll-up's breakdown -> the column its groups are shown under (tables label and humanize it).
_GROUP_COLUMN = {"segment": "segment", "team": "team", "csm": "csm_name"}
_ACCURACY_DEFAULT_WEEKS = 4


def _named(codes) -> str:
    return " + ".join(labels.CSM_FORECASTS[c] for c in codes)


def rollup_view(wh: Warehouse, filters: Filters) -> None:
    st.caption("The open renewals of the funnel (due within its horizon or past due), by the latest forecast "
               "their CSM or lead recorded on the account page, against the ARR up for renewal; the CRM's "
               "forecast of the same renewals beside it. Renewals nobody has forecast are shown as "
               f"'{labels.NO_FORECAST[NO_FORECAST]}'.")
    by = st.segmented_control("Break down by", list(fr.BREAKDOWNS), format_func=fr.BREAKDOWN_LABELS.get,
                              key=keep("renewals_forecast_by", "category")) or "category"
    roll = fr.rollup(wh, filters, by)
    if roll.is_empty():
        notices.no_rows("open renewals")
        return
    arr = roll["arr_up"].sum()
    missing = roll.filter(pl.col("csm_forecast") == NO_FORECAST)

    def csm_arr(codes) -> float:
        return roll.filter(pl.col("csm_forecast").is_in(codes))["arr_up"].sum()

    def crm_arr(codes) -> float:
        return sum(roll[f"crm_{c}_arr"].sum() for c in codes if c in labels.FORECASTS)
    kpi.kpi_row([
        kpi.Tile("ARR up for renewal", kpi.money(arr), DEFINITIONS["due_window"]),
        kpi.Tile(f"CSM: {_named(FORECAST_CALLS_RENEWAL).lower()}", kpi.money(csm_arr(FORECAST_CALLS_RENEWAL)),
                 f"ARR up of the open renewals whose latest CSM forecast is {_named(FORECAST_CALLS_RENEWAL).lower()}; "
                 f"the CRM's figure for the same call beside it.",
                 delta=f"CRM: {kpi.money(crm_arr(FORECAST_CALLS_RENEWAL))}", delta_color="off"),
        kpi.Tile(f"CSM: {_named(FORECAST_CALLS_CHURN).lower()}", kpi.money(csm_arr(FORECAST_CALLS_CHURN)),
                 f"ARR up of the open renewals whose latest CSM forecast is {_named(FORECAST_CALLS_CHURN).lower()}; "
                 f"the CRM's at-risk ARR beside it.",
                 delta=f"CRM: {kpi.money(crm_arr(FORECAST_CALLS_CHURN))}", delta_color="off"),
        kpi.Tile("Expected ARR", kpi.money(roll["expected_arr"].sum()), DEFINITIONS["expected_arr"],
                 delta=f"against {kpi.money(arr - missing['arr_up'].sum())} ARR up", delta_color="off"),
        kpi.Tile(labels.NO_FORECAST[NO_FORECAST], kpi.number(missing["renewals"].sum()),
                 "Open renewals on which no CSM or lead has recorded a forecast yet.",
                 delta=f"{kpi.money(missing['arr_up'].sum())} ARR" if missing.height else None, delta_color="off"),
    ])
    group = _GROUP_COLUMN.get(by)
    named = roll.with_columns(pl.col("grp").replace(labels.SEGMENTS)) if by == "segment" else roll  # chart ticks
    st.plotly_chart(charts.build_forecast_rollup(named, grouped=group is not None), key="renewals_forecast_chart")
    shown = roll.rename({"grp": group}) if group else roll.drop("grp")
    tables.data_table(shown, key="renewals_forecast_table", filename="csm_forecast_rollup.csv",
                      columns=tables.FORECAST_ROLLUP_COLUMNS)


def _signed_money(value: float | None) -> str:
    """+$1.2M or −$427.3k: a difference, its sign first."""
    if value is None:
        return "–"
    return ("−" if value < 0 else "+") + kpi.money(abs(value))


def _weeks_option(k: int) -> str:
    return "Due date" if k == 0 else f"{k} weeks"


def _weeks_phrase(k: int) -> str:
    return "on the due date" if k == 0 else f"{k} weeks before due"


def accuracy_view(wh: Warehouse, filters: Filters, as_of: dt.date) -> None:
    with st.container(horizontal=True, wrap=True, gap="medium"):  # wraps on a laptop instead of cutting
        with st.container(width=320):
            period = period_picker(as_of, key="renewals_accuracy_period")
        weeks = st.segmented_control("Forecast as it stood, weeks before due", list(FORECAST_WEEKS_BEFORE_DUE),
                                     format_func=_weeks_option, wrap=True,
                                     key=keep("renewals_accuracy_weeks", _ACCURACY_DEFAULT_WEEKS))
    weeks = _ACCURACY_DEFAULT_WEEKS if weeks is None else weeks
    st.caption(f"Renewals due {period.dates} and "
               f"decided, with the latest CSM forecast recorded on or before the day k weeks before the due date: "
               f"a forecast changed later, or recorded after the due date, does not count. By the account's CSM "
               f"today; history uses the segment, team and CSM filters.")
    by_weeks = fr.accuracy(wh, filters, period.start, period.end)
    if by_weeks.is_empty():
        notices.no_rows("decided renewals")
        return
    now = by_weeks.filter(pl.col("weeks_before") == weeks).row(0, named=True)
    if not by_weeks["forecast"].sum():
        st.info("No renewal decided in this period had a CSM forecast: forecasts are recorded on the account "
                "page while a renewal is open.", icon=":material/hourglass_empty:")
        return
    at = f" ({_weeks_phrase(weeks)})"
    kpi.kpi_row([
        kpi.Tile("Renewals decided", kpi.number(now["decided"]), DEFINITIONS["logo_renewal_rate"]),
        kpi.Tile("Had a forecast", kpi.percent(now["coverage"]), DEFINITIONS["forecast_coverage"] + at,
                 delta=f"{now['forecast']:,} renewals", delta_color="off"),
        kpi.Tile("Call matched the outcome", kpi.percent(now["hit_rate"]), DEFINITIONS["forecast_hit_rate"]),
        kpi.Tile("Forecast error", kpi.percent(now["error_share"]), DEFINITIONS["forecast_error_share"],
                 delta=f"{_signed_money(now['bias'])} expected − renewed", delta_color="off"),
        kpi.Tile(f"{_named(FORECAST_CALLS_RENEWAL)} that churned", kpi.number(now["missed_churn"]),
                 DEFINITIONS["forecast_missed_churn"] + at),
        kpi.Tile(f"{_named(FORECAST_CALLS_CHURN)} that renewed", kpi.number(now["false_alarm"]),
                 DEFINITIONS["forecast_false_alarm"] + at),
    ])
    st.plotly_chart(charts.build_forecast_accuracy(by_weeks), key="renewals_accuracy_chart")
    st.subheader("By weeks before the due date")
    tables.data_table(by_weeks.drop("grp"), key="renewals_accuracy_weeks_table", filename="forecast_accuracy.csv",
                      columns=tables.FORECAST_ACCURACY_COLUMNS)
    st.subheader(f"By CSM, {_weeks_phrase(weeks)}")
    by_csm = fr.accuracy(wh, filters, period.start, period.end, by="csm", weeks=(weeks,))
    tables.data_table(by_csm.rename({"grp": "csm_name"}), key="renewals_accuracy_csm_table",
                      filename="forecast_accuracy_by_csm.csv", columns=tables.FORECAST_ACCURACY_COLUMNS)
    st.subheader("Category against outcome")
    tables.data_table(fr.category_vs_outcome(wh, filters, period.start, period.end, weeks),
                      key="renewals_accuracy_outcomes", filename="forecast_vs_outcome.csv",
                      columns=tables.FORECAST_OUTCOME_COLUMNS)


def account_section(wh: Warehouse, viewer, account_id: int, may_write: bool) -> None:
    """The account's open renewal(s): the CRM's forecast, the latest CSM forecast and the form to
    record a new one (for whoever may write on the account); then every version recorded."""
    st.caption(DEFINITIONS["csm_forecast"] + " Every change is kept as a new version.")
    open_now = forecasts.open_renewals(wh, account_id)
    if open_now.is_empty():
        st.caption("No open renewal on this account: a forecast is recorded while a renewal is open.")
    for renewal in open_now.iter_rows(named=True):
        latest = (f"{labels.value('csm_forecast', renewal['csm_forecast'])}, expecting "
                  f"{kpi.money(renewal['expected_arr'])} (version {renewal['version']}, {renewal['by_name']}, "
                  f"{renewal['recorded_at']:%d %b %Y})" if renewal["csm_forecast"] else labels.NO_FORECAST[NO_FORECAST])
        st.markdown(f"**Renewal due {renewal['due_date']:%d %b %Y}** · ARR up {md(kpi.money(renewal['arr_up']))} · "
                    f"stage {md(labels.value('stage', renewal['stage']))} · CRM forecast "
                    f"{md(labels.value('forecast', renewal['forecast']))}")
        st.text(f"CSM forecast: {latest}")  # it names a person: text, not Markdown
        if may_write:
            forms.forecast_form(wh, viewer, renewal)
    if not may_write:
        st.info("You can read this account's forecasts; recording one is for its CSM, their team lead, leadership "
                "and CS operations.", icon=":material/lock:")
    st.subheader("Forecast history")
    tables.table_or_note(forecasts.history(wh, account_id), "account_forecasts",
                         f"account_{account_id}_forecasts.csv", tables.FORECAST_HISTORY_COLUMNS,
                         "No forecast recorded yet.")
