"""First start on demo data: build the embedded DuckDB warehouse once, with visible progress."""
from __future__ import annotations

import threading

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from queries.db import Warehouse, demo_path
from queries.demo_book import build_demo
from warehouse.synth import Shape

_build_lock = threading.Lock()  # two first visitors must not both generate the file


def ensure_demo_warehouse(wh: Warehouse) -> None:
    """The build writes beside the final path and moves the file into place at the end, so no
    reader sees a half-built book."""
    if not wh.is_demo or demo_path().exists():
        return
    with _build_lock:
        if demo_path().exists():
            return
        bar = st.progress(0.0, text="First start: generating the demo warehouse (1,600 accounts, 3 years)…")
        session = get_script_run_ctx()

        def show(step: str, done: float) -> None:
            # dbt reports from its own worker threads: they draw on this session's page
            add_script_run_ctx(threading.current_thread(), session)
            bar.progress(done, text=step)
        build_demo(str(demo_path()), Shape(), progress=show, app_schema=wh.app_schema)
        bar.empty()
