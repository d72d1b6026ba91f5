"""First start on demo data: build the embedded DuckDB warehouse once, with visible progress."""
from __future__ import annotations

import threading

import streamlit as st

from queries.db import Warehouse, demo_path, engine_for
from warehouse.build import build_warehouse
from warehouse.demo_writeback import seed_churn_tags
from warehouse.synth import Shape

_build_lock = threading.Lock()  # two first visitors must not both generate the file


def ensure_demo_warehouse(wh: Warehouse) -> None:
    """Build beside the final path and rename at the end, so no reader sees a half-built book."""
    if not wh.is_demo or demo_path().exists():
        return
    with _build_lock:
        if demo_path().exists():
            return
        bar = st.progress(0.0, text="First start: generating the demo warehouse (1,600 accounts, 3 years)…")
        building = demo_path().with_suffix(".building.duckdb")
        build_warehouse(str(building), Shape(), progress=lambda step, done: bar.progress(done * 0.9, text=step))
        bar.progress(0.95, text="adding the demo's churn-reason history")
        building_url = f"duckdb:///{building}"
        seed_churn_tags(Warehouse(building_url, wh.app_schema))
        engine_for(building_url).dispose()
        building.replace(demo_path())
        bar.empty()
