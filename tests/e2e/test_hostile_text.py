"""A hostile book in Chromium: text from the warehouse, the app's tables and the URL stays text.

Every free-text column of the book holds payloads (tests/hostile_book.py) aimed at a beacon, a
loopback HTTP server that counts requests. The test walks every page (with the views that put
names into charts), a few hostile accounts section by section, and a hostile `?account=` link, signed in
through a trusted header as a person whose name is a payload too. It asserts that no link, image
or bold text in the page came from the data, that the beacon was never called, and that the
payloads are shown literally.
"""
from __future__ import annotations

import csv
import http.server
import re
import secrets
import threading
import urllib.parse

import pytest
import sqlalchemy as sa

from components import registry
from components.identity import DEFAULT_PROXY_SECRET_HEADER, PROXY_SECRET_ENV, TRUSTED_HEADER_ENV
from components.registry import ACCOUNT_SECTIONS
from components.safe_text import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, WORD_JOINER
from queries.db import APP_SCHEMA_ENV, URL_ENV
from tests.conftest import DEMO_AS_OF, new_warehouse
from tests.hostile_book import build_hostile_book
from warehouse.synth import Shape

HEADER = "X-Forwarded-Email"
PROXY_SECRET = secrets.token_hex(32)  # the test stands in for the trusted proxy
SHAPE = Shape(accounts=400, as_of=DEMO_AS_OF)  # the demo book's shape, smaller: every page, less waiting
PAGES = [p.title for p in registry.PAGES]
# segmented controls that put names from the data into a chart: page -> (control, option) pairs
VIEWS = {
    "Portfolio health": [("Break down by", "Team"), ("Break down by", "CSM")],
    "NPS": [("Break down by", "Team"), ("Break down by", "CSM")],
    "Renewals": [("Colour by", "Stage"), ("View", "CSM forecast"), ("Break down by", "CSM"),
                 ("View", "Forecast accuracy")],
    "Retention": [("View", "Churn reasons")],
    "Score check": [("View", "What-if weights")],  # the components' words as input labels and help
}

# Elements that would carry data as a link, an image, a handler or formatting. Returns one line
# per offender; `markers` are strings only the payloads contain.
FIND_OFFENDERS = """(markers) => {
  const hit = (s) => !!s && markers.some((m) => s.includes(m));
  const out = [];
  for (const el of document.querySelectorAll('a, img, image, iframe, video, audio, source, object, embed')) {
    const refs = ['href', 'src', 'srcset', 'data', 'xlink:href'].map((a) => el.getAttribute(a))
      .concat([el.getAttributeNS('http://www.w3.org/1999/xlink', 'href')]);
    if (refs.some(hit) || hit(el.textContent) || hit(el.getAttribute('alt'))) out.push(el.outerHTML.slice(0, 160));
  }
  for (const el of document.querySelectorAll('[onerror], [onload], [onclick]')) out.push(el.outerHTML.slice(0, 160));
  for (const el of document.querySelectorAll('strong, b, em')) {
    if (/^(html )?bold$/.test(el.textContent.trim())) out.push(el.outerHTML.slice(0, 160));
  }
  return out;
}"""


class Beacon:
    """A loopback HTTP server that records every request: any request proves a fetch from data."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()
            do_POST = do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def beacon():
    server = Beacon()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile_servers(tmp_path_factory, beacon):
    """One app server per backend on its own hostile book, in trusted-header sign-in mode."""
    from tests.e2e.browser import AppServer
    started, cleanups = {}, []

    def get(backend: str):
        if backend not in started:
            home = tmp_path_factory.mktemp(f"hostile-{backend}")
            wh, drop = new_warehouse(backend, home)
            cleanups.append(drop)
            build_hostile_book(wh, SHAPE, beacon.url)
            reader = sa.create_engine(wh.url)
            with reader.connect() as conn:
                viewer = conn.execute(sa.text("select email from csms where role = 'leader'")).scalar_one()
                flagged = conn.execute(sa.text(f"select distinct a.account_id, a.name from accounts as a inner join "
                                               f"{wh.app_schema}.risk_flags as f on f.account_id = a.account_id "
                                               f"order by a.account_id")).all()
            reader.dispose()  # the app server opens the DuckDB file next: one process at a time
            server = AppServer({URL_ENV: wh.url, APP_SCHEMA_ENV: wh.app_schema, TRUSTED_HEADER_ENV: HEADER,
                                PROXY_SECRET_ENV: PROXY_SECRET},
                               home / "streamlit.log")
            cleanups.insert(0, server.stop)
            started[backend] = (server, viewer, flagged)
        return started[backend]
    yield get
    for cleanup in cleanups:
        cleanup()


def _choose_view(page, control: str, option: str) -> None:
    from tests.e2e.browser import after_action
    group = page.get_by_test_id("stButtonGroup").filter(has=page.get_by_text(control, exact=True))
    group.get_by_text(option, exact=True).first.click()
    after_action(page)


HOVER_LABELS = "() => Array.from(document.querySelectorAll('.hoverlayer'), (layer) => layer.innerHTML).join('|')"
LABEL_CHANGED = f"(before) => ({HOVER_LABELS})() !== before"


def _hover_charts(page) -> None:
    """Hover a few bars or points of every visible chart, so hover labels are in the DOM: after each
    hover, until its label is drawn (the hover layer changed) or 150 ms have passed (a point with
    the same label as the last, or none). Plotly throttles hover events, so the next hover waits
    for this one's label."""
    from playwright.sync_api import Error as PlaywrightError
    points = page.locator("[data-testid=stPlotlyChart] .point path, [data-testid=stPlotlyChart] .points path") \
        .filter(visible=True)
    for i in range(min(points.count(), 12)):
        try:
            before = page.evaluate(HOVER_LABELS)
            points.nth(i).hover(force=True, timeout=2_000)
            page.wait_for_function(LABEL_CHANGED, arg=before, timeout=150)
        except PlaywrightError:  # a point hidden or redrawn meanwhile, or a label unchanged, is not a failure
            continue


FORMULA = re.compile(r"^[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _download_last_csv(page) -> list[list[str]]:
    """Click the page's last "Download CSV" (on NPS: the detractor comments) and read the file."""
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").last.click()
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _visit_account_sections(page, collect) -> None:
    from tests.e2e.browser import section
    for label in ACCOUNT_SECTIONS.values():
        section(page, label)
        _hover_charts(page)
        collect(label)


@pytest.mark.parametrize("backend", ["postgres", "duckdb"])
def test_hostile_text_is_shown_as_text_everywhere(browser, hostile_servers, beacon, backend):
    from tests.e2e.browser import open_page, wait_for_app
    app, viewer, flagged = hostile_servers(backend)
    markers = [beacon.url.removeprefix("http://"), "evil.example", "Session expired", "click here", "pixel"]
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, extra_http_headers={HEADER: viewer, DEFAULT_PROXY_SECRET_HEADER: PROXY_SECRET})
    page = context.new_page()
    beacon.hits.clear()
    offenders: dict[str, set[str]] = {}
    texts: list[str] = []
    exported: list[list[str]] = []

    def collect(where: str) -> None:
        for found in page.evaluate(FIND_OFFENDERS, markers):
            offenders.setdefault(where, set()).add(found)
        texts.append(page.locator("body").inner_text())
        assert page.get_by_test_id("stException").count() == 0, f"an exception on {where}"

    try:
        page.goto(app.url, timeout=120_000)
        wait_for_app(page, timeout=180_000)
        for title in PAGES:
            open_page(page, "", title)
            _hover_charts(page)
            collect(title)
            if title == "NPS":
                exported = _download_last_csv(page)
            for control, option in VIEWS.get(title, []):
                _choose_view(page, control, option)
                _hover_charts(page)
                collect(f"{title} / {option}")
        # hostile accounts, section by section (payload names, flags, notes, tags, contacts, NPS, timeline)
        for account_id, _name in flagged[:4]:
            page.goto(f"{app.url}/account?account={account_id}")
            wait_for_app(page)
            collect(f"account {account_id}")
            _visit_account_sections(page, lambda label: collect(f"account {account_id} / {label}"))
        # a hostile value in the URL
        phish = f"[Session expired, sign in again]({beacon.url}/phish)"
        page.goto(f"{app.url}/account?account={urllib.parse.quote(phish)}")
        wait_for_app(page)
        collect("?account= link")
        page.goto(f"{app.url}/account?account={flagged[0][0]}&section={urllib.parse.quote(phish)}")
        wait_for_app(page)
        collect("?section= link")  # the first section, nothing of the value shown
        page.wait_for_timeout(500)  # give any image a chance to be fetched
    finally:
        context.close()

    shown = re.sub(f"[{WORD_JOINER}{FIRST_STRONG_ISOLATE}{POP_DIRECTIONAL_ISOLATE}]", "", "\n".join(texts))
    total = sum(len(v) for v in offenders.values())
    print(f"\n[{backend}] elements from data: {total}; beacon hits: {len(beacon.hits)}")
    for where, found in offenders.items():
        print(f"  {where}: {len(found)}: {sorted(found)[:3]}")
    print(f"  beacon paths: {sorted(set(beacon.hits))}")
    formulas = [cell for row in exported for cell in row if FORMULA.match(cell) and not PLAIN_NUMBER.match(cell)]
    print(f"  CSV cells a spreadsheet would run as a formula: {len(formulas)} of {sum(map(len, exported))}")
    assert total == 0, f"{total} links, images or formatting built from data (listed above)"
    assert beacon.hits == [], f"the page fetched from the beacon: {beacon.hits}"
    for literal in ["**bold**", f"[Session expired, sign in again]({beacon.url}/link)", phish,
                    f"<a href=\"{beacon.url}/anchor\">click here</a>"]:
        assert literal in shown, f"not shown literally: {literal}"
    assert formulas == [], f"CSV cells that a spreadsheet would run: {formulas[:5]}"
    assert any(cell.startswith("'=HYPERLINK(") for row in exported for cell in row), "no payload in the CSV export"
    assert re.search(r"Signed in as \S", shown), "the signed-in viewer's name is not in the sidebar"
