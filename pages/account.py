"""Account 360: one account's whole picture. Opened from any account table (the row's id travels
in the URL as ?account=<id>, so a link to it can be shared) or found by name here. One section at a time
(?section=flags), so a run reads only what is on screen."""
import datetime as dt

import streamlit as st

from components import charts, kpi, tables
from components import writeback_forms as forms
from components.account_search import account_search
from components.renewal_forecast import account_section as forecast_section
from components.context import current_viewer, page_context
from components.registry import ACCOUNT_SECTIONS, page
from components.safe_text import md
from queries import account, flags, labels, people, roles
from queries import writeback as wb
from queries.definitions import DEFINITIONS

SECTIONS = page("pages/account.py").views


def _account_id_from_url() -> int | None:
    raw = st.query_params.get("account")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        st.warning(f"The link names an account that is not a number: {md(repr(raw))}. Pick an account below.",
                   icon=":material/link_off:")
        return None


def _choose_section() -> str:
    """The section on screen, and only its queries run. It lives in the URL (?section=flags) so a
    reload or a shared link opens the same one; a value that names no section means the first."""
    wanted = st.query_params.get(SECTIONS.in_url)
    if wanted is not None and wanted not in ACCOUNT_SECTIONS:
        del st.query_params[SECTIONS.in_url]
    st.session_state[SECTIONS.key] = wanted if wanted in ACCOUNT_SECTIONS else SECTIONS.options[0]
    return st.segmented_control("Section", SECTIONS.options, format_func=ACCOUNT_SECTIONS.get, required=True,
                                key=SECTIONS.key, on_change=_section_to_url, label_visibility="collapsed")


def _section_to_url() -> None:
    st.query_params[SECTIONS.in_url] = st.session_state[SECTIONS.key]


wh, filters, as_of = page_context()
account_id = _account_id_from_url()
head = account.header(wh, account_id) if account_id is not None else None
if head is None:
    st.title("Account")
    if account_id is not None:
        st.warning(f"No account has the id {account_id}.", icon=":material/search_off:")
    st.caption(f"Data as of {as_of:%d %b %Y}.")
    account_search(wh, filters)
    st.stop()

st.title(md(head["name"]), anchor=False)  # no anchor link built from the name
st.caption(f"{md(labels.value('segment', head['segment']))} · plan {md(head['plan'])} · "
           f"{md(head['industry'])} · CSM {md(head['csm_name'] or 'unassigned')} ({md(head['team'] or 'no team')}) · "
           f"data as of {as_of:%d %b %Y}")
if st.button("Find another account", key="account_other", icon=":material/search:"):
    st.query_params.pop("account", None)  # not clear(): it raises while the sidebar's filters are in the URL
    st.query_params.pop(SECTIONS.in_url, None)
    st.rerun()

term = (f"term {head['term_start']:%d %b %Y} – {head['term_end']:%d %b %Y}, {head['seats']} seats"
        if head["term_start"] else "no contract term")
st.caption(f"Lifecycle stage **{md(labels.value('lifecycle_stage', head['lifecycle_stage']))}** · activity "
           f"{md(labels.value('activity_tier', head['activity_tier']) or 'none')} · {term}",
           help=DEFINITIONS["lifecycle_stage"] + " " + DEFINITIONS["activity_tier"])
kpi.kpi_row([
    kpi.Tile("ARR", kpi.money(head["arr"]), DEFINITIONS["arr"]),
    kpi.Tile("Health", kpi.number(head["health_score"]) + f" · {labels.value('health_band', head['health_band'])}",
             DEFINITIONS["avg_health"],
             delta=None if head["health_change_4w"] is None else f"{head['health_change_4w']:+.0f} vs 4 weeks ago"),
    kpi.Tile("Renewal due", f"{head['renewal_due_date']:%Y-%m-%d}" if head["renewal_due_date"] else "–",
             "The open renewal of the current term: its due date, stage and forecast.",
             delta=head["renewal_forecast"] and f"{md(labels.value('renewal_stage', head['renewal_stage']))} · "
                                                f"{md(labels.value('renewal_forecast', head['renewal_forecast']))}",
             delta_color="off"),
    kpi.Tile("Open risk flags", kpi.number(head["open_flags"]), "Risk flags raised and not yet resolved."),
])

viewer = current_viewer()
may_write = roles.may_write(viewer, head["csm_id"], head["team"])
forms.show_flash()
section = _choose_section()

if section == "health":
    parts = account.health_breakdown(wh, account_id)
    if parts.is_empty():
        st.info("No health snapshot yet for this account.", icon=":material/hourglass_empty:")
    else:
        if head["health_drag"]:
            st.markdown(f"**Pulled down most by {md(head['health_drag'])}**, which costs the score "
                        f"{head['health_drag_points']:.0f} points.")
        missing = parts.filter(parts["value"].is_null())
        if not missing.is_empty():
            st.caption("No data for " + ", ".join(map(md, missing["label"].to_list())) + ": left out, and "
                       "its weight spread over the other components in proportion (the 'carries' column), "
                       "never counted as zero.")
        st.plotly_chart(charts.build_health_breakdown(parts), key="account_health_breakdown")
        tables.data_table(parts.drop("component", "score"), key="account_health_parts",
                          filename=f"account_{account_id}_health.csv", columns=tables.HEALTH_PART_COLUMNS)
        st.plotly_chart(charts.build_health_history(account.health_contributions(wh, account_id)),
                        key="account_health_history")

elif section == "signals":
    fired = account.signals(wh, account_id)
    if fired.is_empty():
        st.success("No signal rule fires for this account.", icon=":material/check_circle:")
    else:
        tables.data_table(fired, key="account_signals", filename=f"account_{account_id}_signals.csv",
                          columns=tables.SIGNAL_COLUMNS)
    with st.expander("The signal rules"):
        tables.signal_rules(key="account_rules")

elif section == "story":
    story, people_col = st.columns([3, 2])
    with story:
        if may_write:
            forms.touch_form(wh, viewer, account_id)
        st.subheader("Timeline")
        tables.table_or_note(account.timeline(wh, account_id), "account_timeline",
                             f"account_{account_id}_timeline.csv", tables.TIMELINE_COLUMNS, "Nothing recorded yet.")
    with people_col:
        st.subheader("People")
        tables.table_or_note(account.contacts(wh, account_id), "account_contacts",
                             f"account_{account_id}_contacts.csv", tables.CONTACT_COLUMNS, "No contacts recorded.")

elif section == "flags":
    if not may_write:
        st.info("You can read this account's flags and tags; writing is for its CSM, their team lead, leadership "
                "and CS operations.", icon=":material/lock:")
    flag_list = flags.of_account(wh, account_id, dt.date.today())
    st.subheader("Risk flags")
    if flag_list.is_empty():
        st.caption("No risk flag has been raised on this account.")
    else:
        if late := int(flag_list["overdue"].fill_null(False).sum()):
            st.warning(f"{late} open follow-up(s) past their due date.", icon=":material/alarm:")
        tables.data_table(flag_list, key="account_flags", filename=f"account_{account_id}_flags.csv",
                          columns=tables.FLAG_COLUMNS)
        # Forms of flags that were open on the last render stay, so that acting on a flag someone
        # resolved meanwhile is answered with who resolved it, not with a form that vanished.
        shown_key = f"account_open_flags_{account_id}"
        shown_before = st.session_state.get(shown_key, [])
        st.session_state[shown_key] = flag_list.filter(flag_list["status"] == "open")["flag_id"].to_list()
        if may_write:
            actionable = flag_list.filter((flag_list["status"] == "open") | flag_list["flag_id"].is_in(shown_before))
            for flag in actionable.iter_rows(named=True):
                label = f"Act on flag {flag['flag_id']} · severity {flag['severity']}" + (
                    " · overdue" if flag["overdue"] else "")
                with st.expander(label, icon=":material/alarm:" if flag["overdue"] else None):
                    forms.flag_actions(wh, viewer, flag, people.staff(wh), head)
        with st.expander("Flag history"):
            tables.data_table(flags.events(wh, account_id), key="account_flag_events",
                              filename=f"account_{account_id}_flag_history.csv", columns=tables.FLAG_EVENT_COLUMNS)
    if may_write:
        forms.raise_flag_form(wh, viewer, account_id, people.staff(wh))
    st.subheader("Churn reason tags")
    tables.table_or_note(wb.tag_history(wh, account_id), "account_tags", f"account_{account_id}_churn_tags.csv",
                         tables.TAG_COLUMNS, "Not tagged.")
    if may_write:
        forms.churn_tag_form(wh, viewer, account_id, key="account_tag")

elif section == "forecast":
    forecast_section(wh, viewer, account_id, may_write)

elif section == "usage":
    usage = account.usage_weekly(wh, account_id)
    if usage.is_empty():
        st.info("No usage recorded in the last 26 weeks.", icon=":material/hourglass_empty:")
    else:
        st.plotly_chart(charts.build_usage_vs_seats(usage), key="account_usage_chart")

elif section == "onboarding":
    tables.table_or_note(account.milestones(wh, account_id), "account_milestones",
                         f"account_{account_id}_milestones.csv", tables.MILESTONE_COLUMNS,
                         "No onboarding milestones recorded for this account.")

elif section == "voice":
    left, right = st.columns(2)
    with left:
        st.subheader("NPS answers")
        tables.table_or_note(account.nps_responses(wh, account_id), "account_nps", f"account_{account_id}_nps.csv",
                             None, "Nobody at this account has answered an NPS survey.")
    with right:
        st.subheader("Recent support tickets")
        tables.table_or_note(account.tickets(wh, account_id), "account_tickets", f"account_{account_id}_tickets.csv",
                             None, "No support tickets.")
