"""The app as a user's browser sees it: a real `streamlit run` server and Debian's Chromium,
driven through Playwright. Shared by the end-to-end tests and the screenshot script."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CS_COCKPIT_CHROMIUM", "/usr/bin/chromium")


def chromium_missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run app.py` on a free port with the given environment, until stop()."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, **env}, stdout=self._out, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._out.close()


def wait_for_app(page: Page, timeout: float = 90_000) -> None:
    """As Streamlit's own end-to-end suite does: the script has finished running and no
    skeleton (placeholder) is left on the page."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


def after_action(page: Page) -> None:
    """Let the rerun an action triggered start, then wait for it to finish."""
    page.wait_for_timeout(400)
    wait_for_app(page)


def open_page(page: Page, base: str, title: str) -> None:
    """Go through the sidebar's navigation, as a user does."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    after_action(page)


def metric_value(page: Page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
    return tile.get_by_test_id("stMetricValue").inner_text().strip()


def choose(page: Page, widget_label: str, option: str) -> None:
    """Pick an option of a selectbox or multiselect by its label, as a user types and clicks."""
    box = page.get_by_label(widget_label, exact=True).first
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    after_action(page)
