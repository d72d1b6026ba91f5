"""Page-local choices that survive a trip to another page, and pickers whose options stay apart.

Streamlit forgets a widget's value when its page is not rendered. Call keep(key, default) just
before creating the widget (with no default of its own): it restores the last value from a shadow
copy, and records the current one for next time.
"""
from __future__ import annotations

from collections import Counter

import streamlit as st


def distinct_labels(labels: dict) -> dict:
    """option -> label, with the option added to each label that two options share ("Ana Varga ·
    1878"). A selectbox or multiselect keeps its value as the label it shows (and a bound one writes
    that label in the URL), so two people or accounts of one name would be one option: choosing the
    first would open, assign or tag the second on the next rerun."""
    shared = {label for label, n in Counter(labels.values()).items() if n > 1}
    return {option: f"{label} · {option}" if label in shared else label for option, label in labels.items()}


def keep(key: str, default):
    shadow = f"_kept_{key}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(shadow, default)
    st.session_state[shadow] = st.session_state[key]
    return key
