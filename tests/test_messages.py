"""What an operator or user sees when the setting, the demo file or the input is wrong: a clear
message, never an exception page, and never a secret."""
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.identity import UNSAFE_DEMO_ENV
from queries.db import APP_SCHEMA_ENV, DEMO_PATH_ENV, URL_ENV
from tests.apptest import keep_apptest_on_navigation

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def navigation_like_the_server(monkeypatch):
    keep_apptest_on_navigation(monkeypatch.setattr)
    monkeypatch.setenv(UNSAFE_DEMO_ENV, "1")


def every_text(at: AppTest) -> str:
    return "\n".join(str(getattr(e, "value", "")) for e in at.main) + "\n".join(
        str(getattr(e, "value", "")) for e in at.sidebar)


@pytest.mark.parametrize("url", ["not a url", "mysql://u:hunter2secret@db/x", "postgresql+psycopg2://u:hunter2secret@db",
                                 "postgresql+psycopg2://u:hunter2secret@db:port/x"])
def test_a_malformed_warehouse_url_gets_a_message_without_the_secret(monkeypatch, url):
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("warehouse setting cannot be used" in e.value for e in at.error)
    assert "hunter2secret" not in every_text(at)
    assert not at.metric


def test_a_demo_file_held_by_another_process_is_named_as_such(tmp_path, monkeypatch):
    held = tmp_path / "demo.duckdb"  # the other process creates it and keeps it open
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(120)", str(held)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.delenv(URL_ENV, raising=False)
        monkeypatch.setenv(DEMO_PATH_ENV, str(held))
        monkeypatch.setenv(APP_SCHEMA_ENV, "cockpit")
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        assert any("Another CS Cockpit process holds the demo file" in e.value for e in at.error)
        assert not any("credentials" in e.value for e in at.error)
    finally:
        holder.kill()
        holder.wait()
        time.sleep(0.2)


def test_control_characters_in_the_account_search_are_ignored_with_a_note(backend, demo_warehouse, monkeypatch):
    monkeypatch.setenv(URL_ENV, demo_warehouse.url)
    monkeypatch.setenv(APP_SCHEMA_ENV, demo_warehouse.app_schema)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/account.py").run()
    at.text_input(key="account_search").input("pi\x00n\x07e").run()
    assert not at.exception
    assert any("Control characters" in c.value for c in at.caption)
    found = next(d.value for d in at.dataframe if "name" in d.value.columns)
    assert len(found) > 0 and all("pine" in n.lower() for n in found["name"])
