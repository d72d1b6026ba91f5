"""The app as a user's browser sees it: a real `streamlit run` server and Debian's Chromium,
driven through Playwright. Shared by the end-to-end tests and the screenshot script."""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CS_COCKPIT_CHROMIUM", "/usr/bin/chromium")


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run app.py` on a free port (or the given one) with the given environment, until stop()."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = env
        self._out = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, **env}, stdout=self._out, stderr=subprocess.STDOUT)
        if not _answers(f"{self.url}/_stcore/health", self.process):
            self.stop()
            raise RuntimeError(f"streamlit did not start; see {log}")

    def stop(self) -> None:
        _stop(self.process)
        self._out.close()


class OidcProvider:
    """A real OpenID provider on loopback (the `oidc-provider-mock` package), until stop(). Its
    authorization page asks for a subject and signs that user in with it as their `email` claim;
    any client id and secret are accepted."""

    def __init__(self, log: Path):
        self.url = f"http://127.0.0.1:{free_port()}"
        self.metadata_url = f"{self.url}/.well-known/openid-configuration"
        self._out = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", self.url.rsplit(":", 1)[1]],
            stdout=self._out, stderr=subprocess.STDOUT)
        if not _answers(self.metadata_url, self.process):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start; see {log}")

    def auth_secrets(self, app_url: str) -> str:
        """The app's `[auth]` section (secrets.toml) for signing in with this provider."""
        values = {"redirect_uri": f"{app_url}/oauth2callback", "cookie_secret": secrets.token_hex(32),
                  "client_id": "cs-cockpit", "client_secret": secrets.token_hex(16),
                  "server_metadata_url": self.metadata_url}
        return "[auth]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())

    def stop(self) -> None:
        _stop(self.process)
        self._out.close()


def _answers(url: str, process: subprocess.Popen, seconds: float = 60) -> bool:
    """Whether the server at url answers 200 before the deadline (and before its process exits)."""
    deadline = time.time() + seconds
    while time.time() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_app(page: Page, timeout: float = 90_000) -> None:
    """As Streamlit's own end-to-end suite does: the script has finished running and no
    skeleton (placeholder) is left on the page."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


RUN_STARTED = '[data-testid="stApp"]:not([data-test-script-state="notRunning"])'


def _run_starts(page: Page, within_ms: float) -> bool:
    """Whether a script run is under way or starts within `within_ms` (the frontend marks a rerun
    requested as soon as it sends one)."""
    try:
        page.wait_for_selector(RUN_STARTED, timeout=within_ms)
        return True
    except PlaywrightTimeoutError:
        return False


def after_action(page: Page) -> None:
    """Let the rerun an action triggered start (up to 400 ms: a fixed pause of that length did this
    before, and most reruns start at once), then wait for it to finish. A run that ends in
    st.rerun() (every successful write) is followed at once by the next, with a moment of
    "notRunning" between them: wait again while a new run starts within 150 ms."""
    _run_starts(page, 400)
    wait_for_app(page)
    for _ in range(5):  # a bound, not an expectation: one follow-on run is the most the app makes
        if not _run_starts(page, 150):
            return
        wait_for_app(page)


def open_page(page: Page, base: str, title: str) -> None:
    """Go through the sidebar's navigation, as a user does."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    after_action(page)


def section(page: Page, label: str) -> None:
    """Show a section of the account page (a segmented control), as a user clicks it."""
    page.get_by_test_id("stButtonGroup").get_by_text(label, exact=True).first.click()
    after_action(page)


def table(page: Page, key: str) -> Locator:
    """The grid of the table shown under `key` (components/tables.py keys it `<key>_<n>`; Streamlit
    gives a keyed element the class `st-key-<key>`): a page's tables by name, not by position."""
    return page.locator(f"[class*='st-key-{key}_']").get_by_test_id("stDataFrame").first


def open_first_row(page: Page, grid: Locator) -> None:
    """Select a table's first row (the grid is a canvas: its selection box sits at a fixed offset)."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    after_action(page)


def metric_value(page: Page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return tile.get_by_test_id("stMetricValue").inner_text().strip()


def pick(page: Page, box: Locator, typed: str, option: re.Pattern) -> None:
    """Type into a selectbox to filter its list, then click the option that matches, as a user does.

    The list is virtualised (a far option is not rendered until the typing filters it) and is
    re-rendered while it filters; a rerun finishing meanwhile closes it. So when the option goes
    away before the click lands, or the click lands on a row being replaced and the box keeps only
    the typed text, start again from an open, filtered list (three tries)."""
    for _ in range(3):
        try:
            box.click()
            box.fill(typed)
            page.get_by_role("option").filter(has_text=option).first.click(timeout=5_000)
            after_action(page)
            if option.search(box.input_value()):
                return
        except PlaywrightTimeoutError:
            pass
        page.keyboard.press("Escape")
        wait_for_app(page)
    raise AssertionError(f"no option matching {option.pattern!r} after typing {typed!r}")


def choose(page: Page, widget_label: str, option: str) -> None:
    """Pick an option of a selectbox or multiselect by its label, as a user types and clicks."""
    box = page.get_by_label(widget_label, exact=True).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    after_action(page)
