"""A crowd on a fresh server: 50 first visitors arrive at once and every one gets its page.

Each case starts a new `streamlit run` (the session's shared server has long run its first
pages): on DuckDB with no demo file yet, so the crowd also meets the first-start build; on
PostgreSQL with the demo book and app tables not created yet.

The visitors speak Streamlit's own websocket protocol, as the browser's frontend does: open
/_stcore/stream, ask for a run, read the page's elements until the run ends. 50 Chromium
contexts on a 2-core machine took two minutes at a load of 50, and they load the frontend one
after another, so their scripts did not start together and the error never showed. These 50
sessions connect first and then all ask for their page at the same moment.
"""
import asyncio
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.exceptions import WebSocketException

from bench.ws_client import RENDERED, Session

CROWD = 50
WAIT_SECONDS = 150  # a bound on each visitor's wait, not a measure of speed


async def first_page(url: str, together: asyncio.Barrier) -> str:
    """One visitor's first page: RENDERED, or what the visitor saw instead."""
    async with Session.open(url) as session:
        await together.wait()
        return (await session.run()).outcome


async def visit(url: str, together: asyncio.Barrier) -> str:
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            return await first_page(url, together)
    except TimeoutError:
        return f"never rendered within {WAIT_SECONDS} s"
    except (OSError, WebSocketException) as err:
        return f"never rendered: {type(err).__name__}"


async def crowd(url: str) -> list[str]:
    together = asyncio.Barrier(CROWD)  # all connected, then all ask at once
    return await asyncio.gather(*(visit(url, together) for _ in range(CROWD)))


def server_errors(log) -> Counter:
    """The exception lines of the tracebacks in the server's log (the pages show them redacted)."""
    return Counter(re.findall(r"^\w+(?:Error|Exception): .*$", log.read_text(errors="replace"), re.M))


@pytest.fixture
def fresh_server(backend, start_server):
    server = start_server(backend)
    yield server
    server.stop()


def test_fifty_first_visitors_at_once_all_get_their_page(fresh_server):
    # a thread of its own: Playwright's sync API, used by the other browser tests of the session,
    # keeps an event loop running in this one
    with ThreadPoolExecutor(1) as thread:
        outcomes = Counter(thread.submit(asyncio.run, crowd(fresh_server.url)).result())
    report = f"{dict(outcomes)}; server log {fresh_server.log}: {dict(server_errors(fresh_server.log))}"
    assert not [o for o in outcomes if o.startswith("error")], report
    assert outcomes[RENDERED] == CROWD, report
