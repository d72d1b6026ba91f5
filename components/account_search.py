"""Find an account as you type: a search box that commits after a short pause (text_input's
`live`), and the matching accounts in scope with their health, ARR and renewal, one click from
their page. Typing a new search forgets a bad account link, so its warning does not linger."""
from __future__ import annotations

import streamlit as st

from components import notices, tables
from queries import account
from queries.db import Warehouse
from queries.scope import Filters

SEARCH_KEY = "account_search"


def _forget_bad_link() -> None:
    """A new search replaces whatever the link asked for (its warning included)."""
    st.query_params.pop("account", None)


def account_search(wh: Warehouse, filters: Filters) -> None:
    found = st.text_input("Find an account by name", key=SEARCH_KEY, max_chars=100, type="search", live=True,
                          placeholder="Start typing part of a name, e.g. Pine", on_change=_forget_bad_link)
    if account.searchable(found) != found.strip():
        st.caption(":material/info: Control characters in the search are ignored.")
    matches = account.search(wh, filters, found)
    if matches.is_empty():
        notices.no_rows("accounts with that name")
        return
    st.caption("The largest accounts in the sidebar's scope that match, by ARR.")
    tables.account_table(matches, key="account_matches", filename="accounts.csv")
