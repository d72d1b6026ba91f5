"""My accounts, the CSM's home page: their own book, riskiest first, each row saying why it is
there, and the signals behind it. A lead can look at any CSM of their team, leadership at anyone."""
import datetime as dt

import polars as pl
import streamlit as st

from components import kpi, notices, tables
from components.safe_text import md
from components.context import current_viewer, page_context
from components.state import distinct_labels, keep
from queries import changes, flags, labels, my_accounts, people, portfolio, roles, signals
from queries.definitions import DEFINITIONS, SIGNAL_RULES
from queries.scope import Filters

wh, filters, as_of = page_context()
viewer = current_viewer()
st.title("My accounts")

csms = roles.openable_books(people.staff(wh), viewer)
if csms.is_empty():
    st.info("You have no book of accounts, and no CSM's book is open to you.", icon=":material/person_off:")
    st.stop()
names = distinct_labels(dict(zip(csms["csm_id"].to_list(), csms["name"].to_list())))
default = viewer.csm_id if viewer.csm_id in names else next(iter(names))
if st.session_state.get("my_accounts_csm") not in names:  # a different viewer in demo mode
    st.session_state.pop("my_accounts_csm", None)
    st.session_state.pop("_kept_my_accounts_csm", None)
# bound to the URL: a reload or a shared link opens the same book (one the viewer may not open is dropped)
csm_id = st.selectbox("Book of", list(names), format_func=names.get, key=keep("my_accounts_csm", default),
                      bind="query-params", disabled=len(names) == 1, help="A CSM sees their own book; a team lead "
                      "any CSM of their team; leadership and CS operations anyone.")
st.caption(f"Data as of {as_of:%d %b %Y}. The sidebar's segment, stage and tier filters apply here; its team "
           f"and CSM filters do not.")

scope = Filters(segments=filters.segments, stages=filters.stages, tiers=filters.tiers, csm_ids=(csm_id,))
k = portfolio.kpis(wh, scope)
if k["accounts"] == 0:
    notices.no_rows()
    st.stop()
fired = signals.counts(wh, scope)
book_owner = csms.filter(csms["csm_id"] == csm_id).row(0, named=True)
own = flags.counts_for(wh, book_owner["email"], csm_id, dt.date.today())
owner_word, owner_name = ("I", "you") if csm_id == viewer.csm_id else ("they", book_owner["name"])


def signals_of(kind: str) -> int:
    """Firing signals of one kind, from the per-rule counts (an empty result has untyped columns)."""
    return int(fired.filter(pl.col("kind").cast(pl.String) == kind)["accounts"].sum() or 0)


kpi.kpi_row([
    kpi.Tile("Accounts", kpi.number(k["accounts"]), DEFINITIONS["accounts"]),
    kpi.Tile("ARR", kpi.money(k["arr"]), DEFINITIONS["arr"]),
    kpi.Tile("ARR at risk (red)", kpi.money(k["at_risk_arr"]), DEFINITIONS["at_risk_arr"]),
])
kpi.kpi_row([  # the work on this book, in a row of its own so that seven tiles never squeeze a laptop
    kpi.Tile(f"Flags {owner_word} own", kpi.number(own["owned"]),
             f"Open risk flags assigned to {md(owner_name)}, on any account, wherever it sits."),
    kpi.Tile("Flags on this book", kpi.number(my_accounts.open_flag_total(wh, scope)),
             "Open risk flags on the accounts listed below, whoever owns them (the sidebar's filters apply)."),
    kpi.Tile("Risk signals", kpi.number(signals_of("risk")),
             "Risk signals firing now, one per account and rule. Opportunities are counted apart."),
    kpi.Tile("Opportunities", kpi.number(signals_of("opportunity")),
             SIGNAL_RULES["seat_limit"].rule),
])

late = own["owned_overdue"] + own["on_book_overdue"]
if late:
    st.warning(f"Overdue follow-ups: {own['owned_overdue']} owned by {md(owner_name)}, {own['on_book_overdue']} on this "
               f"book.", icon=":material/alarm:")
st.page_link("pages/followups.py", label="Open the follow-ups", icon=":material/assignment_late:")


@st.fragment
def what_changed() -> None:
    """The news on this book since a day (a fragment: moving the day reruns this part alone)."""
    st.subheader("What changed")
    default = as_of - dt.timedelta(days=changes.DEFAULT_DAYS_BACK)
    if not isinstance(st.session_state.get("my_accounts_since"), dt.date):
        st.session_state.pop("my_accounts_since", None)
    day = st.date_input("Since", key=keep("my_accounts_since", default), max_value=as_of, format="YYYY-MM-DD", width=180,
                        help=f"Changes after this day, up to the data's as-of day ({as_of:%d %b %Y}); flags up to now. "
                             f"Default: {changes.DEFAULT_DAYS_BACK} days before the as-of day.")
    found = changes.since(wh, scope, day, book_owner["email"])
    n = changes.counts(found)
    st.caption(" · ".join(f"{labels.CHANGES[code]}: {n[code]}" for code in changes.ORDER))
    tables.table_or_note(found, "my_accounts_changes", "what_changed.csv", tables.CHANGE_COLUMNS,
                         note=f"Nothing changed on this book after {day:%d %b %Y}.",
                         row_height=tables.WRAPPED_ROW_HEIGHT)


what_changed()

# Here the reasons are the point of the list: up to three lines of them, wrapped, beside the key columns
BOOK_COLUMNS = {**tables.ACCOUNT_COLUMNS, "csm_name": None, "why": st.column_config.TextColumn(
    "Why it is here", width=300, help=tables.ACCOUNT_COLUMNS["why"]["help"])}
st.subheader("Accounts, riskiest first")
st.caption(my_accounts.ORDER_RULE)
tables.account_table(my_accounts.book(wh, scope), key="my_accounts_book", filename="my_accounts.csv",
                     columns=BOOK_COLUMNS, row_height=tables.WRAPPED_ROW_HEIGHT)

st.subheader("Signals")
st.caption("One row per account and rule while it holds, risks first, then by severity and ARR at stake.")
tables.account_table(signals.firing(wh, scope), key="my_accounts_signals", filename="my_signals.csv",
                     columns=tables.SIGNAL_COLUMNS, empty="signals")
with st.expander("The signal rules"):
    tables.signal_rules(key="my_accounts_rules")
