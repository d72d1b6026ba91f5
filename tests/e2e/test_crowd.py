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
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import MAIN
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

CROWD = 50
WAIT_SECONDS = 150  # a bound on each visitor's wait, not a measure of speed
RENDERED = "rendered"


async def first_page(ws_url: str, together: asyncio.Barrier) -> str:
    """One visitor's first page: RENDERED, or what the visitor saw instead."""
    async with connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
        await together.wait()
        ask = BackMsg()
        ask.rerun_script.query_string = ""  # the default page, as a new visitor lands
        await ws.send(ask.SerializeToString())
        saw_page = False
        async for data in ws:
            msg = ForwardMsg.FromString(data)
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                kind = element.WhichOneof("type")
                if kind == "exception":
                    return f"error page: {element.exception.type or 'exception'}"
                if kind == "alert" and element.alert.format == Alert.ERROR:
                    return f"error notice: {element.alert.body[:80]}"
                # the page's own title, not the sidebar's: the router has handed over to the page
                saw_page = saw_page or (kind == "heading" and msg.metadata.delta_path[0] == MAIN)
            elif msg.WhichOneof("type") == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return RENDERED if saw_page else "blank page"
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    return "error page: compile error"
                # FINISHED_EARLY_FOR_RERUN: the page asked for a rerun; keep reading
    return "never rendered: the server closed the connection"


async def visit(ws_url: str, together: asyncio.Barrier) -> str:
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            return await first_page(ws_url, together)
    except TimeoutError:
        return f"never rendered within {WAIT_SECONDS} s"
    except (OSError, WebSocketException) as err:
        return f"never rendered: {type(err).__name__}"


async def crowd(url: str) -> list[str]:
    together = asyncio.Barrier(CROWD)  # all connected, then all ask at once
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    return await asyncio.gather(*(visit(ws_url, together) for _ in range(CROWD)))


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
