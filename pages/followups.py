"""Follow-ups: open risk flags as work items, for whoever acts on them. Everyone sees the flags
assigned to them and the ones they raised, wherever the account sits; a lead also the team's;
leadership and CS operations all. Overdue first, then severity, then ARR; a row opens its account."""
import datetime as dt

import streamlit as st

from components import kpi, tables
from components.context import current_viewer, page_context
from components.state import keep
from queries import flags, roles

wh, _filters, as_of = page_context()
viewer = current_viewer()
st.title("Follow-ups")

views = roles.inbox_views(viewer)
view = st.segmented_control("Show", views, format_func=flags.VIEWS.get, key=keep("followups_view", views[0]),
                            required=True) or views[0]
today = dt.date.today()
items = flags.inbox(wh, view, viewer.email, viewer.team, today)
st.caption(f"Open risk flags, overdue first, then by severity and ARR. Today is {today:%d %b %Y}; account data "
           f"as of {as_of:%d %b %Y}. The sidebar's filters do not apply here: a follow-up is yours wherever "
           f"its account sits.")

overdue = items.filter(items["overdue"].fill_null(False)) if not items.is_empty() else items
at_stake = items.unique("account_id")["arr"].sum() if not items.is_empty() else 0
kpi.kpi_row([
    kpi.Tile("Open follow-ups", kpi.number(items.height), "Risk flags in this view not yet resolved."),
    kpi.Tile("Overdue", kpi.number(overdue.height), "Open flags whose follow-up date has passed."),
    kpi.Tile("High severity", kpi.number(items.filter(items["severity"] == 3).height if items.height else 0),
             "Open flags of severity 3 (high)."),
    kpi.Tile("ARR at stake", kpi.money(at_stake), "ARR of the accounts these flags are on, each account once."),
])
if items.is_empty():
    st.info("Nothing open here. Flags raised on an account's page, or assigned to you by a lead, show up "
            "in this list.", icon=":material/task_alt:")
else:
    tables.data_table(items, key="followups_table", filename=f"follow-ups-{view}.csv",
                      columns=tables.FOLLOWUP_COLUMNS)
