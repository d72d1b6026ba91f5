"""First start on demo data: build the embedded DuckDB warehouse once, with visible progress."""
from __future__ import annotations

import threading

import streamlit as st

from queries.db import Warehouse, demo_path
from warehouse.build import build_warehouse
from warehouse.synth import Shape

_build_lock = threading.Lock()  # two first visitors must not both generate the file


def ensure_demo_warehouse(wh: Warehouse) -> None:
    if not wh.is_demo or demo_path().exists():
        return
    with _build_lock:
        if demo_path().exists():
            return
        bar = st.progress(0.0, text="First start: generating the demo warehouse (1,600 accounts, 3 years)…")
        build_warehouse(str(demo_path()), Shape(), progress=lambda step, done: bar.progress(done, text=step))
        bar.empty()
