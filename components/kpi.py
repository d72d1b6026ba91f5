"""KPI tiles: a value, an optional change, and the metric's definition as the tooltip."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    definition: str
    delta: str | None = None
    delta_color: str = "normal"


def money(value: float | None) -> str:
    if value is None:
        return "–"
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"${value / size:,.1f}{unit}"
    return f"${value:,.0f}"


def number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def kpi_row(tiles: list[Tile]) -> None:
    """Tiles as wide as their content in a row that wraps (a horizontal container), not columns
    that squeeze them: on a laptop a tile moves to the next line instead of cutting its value or
    label to "$…" (a stretched tile in a wrapping row still shrinks until it cuts)."""
    with st.container(horizontal=True, wrap=True, gap="small"):
        for tile in tiles:
            st.metric(tile.label, tile.value, delta=tile.delta, delta_color=tile.delta_color,
                      delta_arrow="off" if tile.delta_color == "off" else "auto", help=tile.definition,
                      border=True, width="content")
