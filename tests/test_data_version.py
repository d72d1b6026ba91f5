"""Several app servers agree: a write bumps the app tables' data version in its transaction, and a
cached read of those tables on another server shows the write at that server's next script run.
On a hand-built book (tests/test_writeback.build_book), on DuckDB and PostgreSQL."""
import contextvars
import datetime as dt
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from queries import flags
from queries import writeback as wb
from queries.db import read_data_version, stamp_run
from tests.test_writeback import CSM1, OPS, build_book

TODAY = dt.date.today()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def book(backend, hand_built):
    return hand_built(backend, build_book)


def test_every_write_bumps_the_data_version_and_a_refused_one_does_not(book):
    start = read_data_version(book)
    once = uuid.uuid4().hex
    flag = wb.raise_flag(book, CSM1, 1, 2, "Sponsor leaving", None, None, submission=once)
    assert read_data_version(book) == start + 1
    with pytest.raises(wb.AlreadySaved):  # rolled back with its transaction
        wb.raise_flag(book, CSM1, 1, 2, "Sponsor leaving", None, None, submission=once)
    with pytest.raises(wb.Rejected):  # refused before any SQL
        wb.note_flag(book, CSM1, flag, "   ")
    assert read_data_version(book) == start + 1
    wb.note_flag(book, CSM1, flag, "Called the sponsor")
    wb.move_due_date(book, CSM1, flag, TODAY + dt.timedelta(days=20))
    wb.log_touch(book, CSM1, 1, "call", TODAY, "Renewal call")
    wb.tag_churn(book, CSM1, 1, "budget_cut", [], None)
    wb.resolve_flag(book, CSM1, flag, "Sponsor stays")
    wb.retire_reason(book, OPS, "other")
    with pytest.raises(wb.Rejected):  # already retired: nothing changed
        wb.retire_reason(book, OPS, "other")
    assert read_data_version(book) == start + 7


def _raise_flag_elsewhere(backend: str, book, monkeypatch) -> int:
    """Another app server raises a flag on account 1: its process clears only its own caches."""
    if backend == "postgres":  # a real second process
        script = ("import sys; from queries import writeback as wb; from queries.db import Warehouse; "
                  "wh = Warehouse(sys.argv[1], sys.argv[2]); w = wb.Writer('csm1@example.com', 'csm', 'A', 1); "
                  "print(wb.raise_flag(wh, w, 1, 3, 'Raised on server B', None, None))")
        done = subprocess.run([sys.executable, "-c", script, book.url, book.app_schema], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=True)
        return int(done.stdout.strip())
    # the embedded DuckDB file has one process: the other server is this one, minus its cache clearing
    monkeypatch.setattr(wb, "forget_cached_writes", lambda: None)
    return wb.raise_flag(book, CSM1, 1, 3, "Raised on server B", None, None)


def test_a_write_on_another_server_shows_at_the_next_run_here(backend, book, monkeypatch):
    def run_here():  # one script run of this server: the router stamps it, a page reads
        stamp_run(book)
        return flags.of_account(book, 1, TODAY)["flag_id"].to_list()

    this_run = contextvars.copy_context()
    assert this_run.run(run_here) == []
    flag = _raise_flag_elsewhere(backend, book, monkeypatch)
    # within the run one version holds, so the read is served from the cache (it really is cached)
    assert this_run.run(lambda: flags.of_account(book, 1, TODAY)["flag_id"].to_list()) == []
    assert contextvars.copy_context().run(run_here) == [flag]  # the next run: a new version, new keys
    # outside a script run (tests, bench) every read asks for the version afresh
    assert flags.of_account(book, 1, TODAY)["flag_id"].to_list() == [flag]
