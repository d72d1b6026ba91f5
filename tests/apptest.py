"""AppTest as the real server runs the app (shared by tests/ and bench/)."""
from pathlib import Path

import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest


class NavigationPagesManager(PagesManager):
    """AppTest (Streamlit 1.67) resets PagesManager.uses_pages_directory before every run, and a
    top-level pages/ folder then turns it on, so every run after the first executes the page file
    alone (the v1 multipage path) instead of app.py with st.navigation. The real server sets the
    flag once and st.navigation clears it; this keeps AppTest on that same path."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def keep_apptest_on_navigation(setattr_) -> None:
    """Install the page manager above; `setattr_` is monkeypatch.setattr in tests, setattr in bench."""
    setattr_(app_test_module, "PagesManager", NavigationPagesManager)


def app_on(wh, monkeypatch, timeout: int = 120) -> AppTest:
    """The app over warehouse `wh` (a hand-built book) in demo mode, on st.navigation's path, not
    yet run: what a test of a page on its own book starts from."""
    from components.identity import UNSAFE_DEMO_ENV
    from queries.db import APP_SCHEMA_ENV, URL_ENV

    keep_apptest_on_navigation(monkeypatch.setattr)
    monkeypatch.setenv(URL_ENV, wh.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, wh.app_schema)
    monkeypatch.setenv(UNSAFE_DEMO_ENV, "1")
    return AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=timeout)


def form_key(at, form: str, field: str) -> str:
    """The key of a write form's widget as rendered now: components.writeback_forms.Form names
    its widgets with a nonce that changes after each successful write."""
    return f"{form}-{at.session_state[f'_form_nonce_{form}'][:8]}-{field}"


def submit_key(at, form: str, label: str) -> str:
    """The key of a write form's submit button as rendered now."""
    return f"FormSubmitter:{form}-{at.session_state[f'_form_nonce_{form}'][:8]}-{label}"
