"""Page-local choices that survive a trip to another page.

Streamlit forgets a widget's value when its page is not rendered. Call keep(key, default) just
before creating the widget (with no default of its own): it restores the last value from a shadow
copy, and records the current one for next time.
"""
from __future__ import annotations

import streamlit as st


def keep(key: str, default):
    shadow = f"_kept_{key}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(shadow, default)
    st.session_state[shadow] = st.session_state[key]
    return key
