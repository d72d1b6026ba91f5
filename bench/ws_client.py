"""A Streamlit session spoken over its own websocket protocol, as the browser's frontend does: open
/_stcore/stream, ask for a run (a page, a query string), read the page's elements until the run
ends. Light enough for a hundred sessions from one process, where a hundred Chromium tabs would
measure the browsers. Used by tests/e2e/test_crowd.py and bench/concurrency.py.
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import MAIN
from websockets.asyncio.client import connect

RENDERED = "rendered"


@dataclass
class Run:
    """One script run as the session saw it: RENDERED or what it saw instead, and how long from
    asking to the run's end."""
    outcome: str
    seconds: float


@dataclass
class Session:
    ws: object
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash, from the router

    @classmethod
    @asynccontextmanager
    async def open(cls, app_url: str):
        ws_url = app_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        async with connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
            yield cls(ws)

    async def run(self, page: str | None = None, query_string: str = "") -> Run:
        """Ask for a run of `page` (a url path the router named in an earlier run; None: the
        default page, as a new visitor lands) and read until it has finished."""
        ask = BackMsg()
        ask.rerun_script.query_string = query_string
        if page is not None:
            ask.rerun_script.page_script_hash = self.pages[page]
        started = time.perf_counter()
        await self.ws.send(ask.SerializeToString())
        outcome = await self._until_finished()
        return Run(outcome, time.perf_counter() - started)

    async def _until_finished(self) -> str:
        saw_page, problem = False, None
        async for data in self.ws:
            msg = ForwardMsg.FromString(data)
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages.update({p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages})
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind == "exception":
                    problem = problem or f"error page: {element.exception.type or 'exception'}"
                elif element_kind == "alert" and element.alert.format == Alert.ERROR:
                    problem = problem or f"error notice: {element.alert.body[:80]}"
                # the page's own title, not the sidebar's: the router has handed over to the page
                saw_page = saw_page or (element_kind == "heading" and msg.metadata.delta_path[0] == MAIN)
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return problem or (RENDERED if saw_page else "blank page")
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    return "error page: compile error"
                # FINISHED_EARLY_FOR_RERUN: the page asked for a rerun; keep reading
        return "never rendered: the server closed the connection"
