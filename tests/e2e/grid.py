"""What a table (st.dataframe, a canvas) shows on screen, read from its pixels: where each column
starts and ends, and which cells have text cut at their edge.

The grid draws a 1-px line between columns and between rows, and pads every cell (8 px left and
right, 3 px top and bottom); its text is clipped at the cell's edge, with no ellipsis. So a column
whose right line is not drawn runs off the grid's right edge, and ink in a cell's outer pixels is
text that did not fit (a word cut at the right, a wrapped line cut at the top or bottom).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image
from playwright.sync_api import Locator, Page

LINE = (232, 232, 231)  # the grid's lines, rgba(47, 45, 43, 0.1) over white or the header's grey
EDGE = 3                # the outer pixels of a cell that text never reaches when it fits


def _is_line(rgb: tuple[int, int, int]) -> bool:
    return all(abs(c - l) <= 4 for c, l in zip(rgb, LINE))


def _is_ink(rgb: tuple[int, int, int]) -> bool:
    return sum(rgb) / 3 < 170  # text is near-black; lines, bars and backgrounds are lighter


@dataclass(frozen=True)
class Column:
    name: str
    left: int
    right: int | None  # None: its right edge is off the grid (the column is cut)


@dataclass
class Grid:
    """A screenshot of the grid's canvas with its lines found."""
    image: Image.Image
    names: list[str]           # the columns drawn, left to right (the row-selection column not included)
    verticals: list[int]       # x of each line between columns, left to right
    horizontals: list[int]     # y of each line between rows, top to bottom (the first closes the header)
    overflows: bool            # the columns are wider than the grid (it scrolls sideways)

    def columns(self) -> list[Column]:
        """Each column drawn: the first line closes the row-selection column, so column i runs from
        line i to line i+1; the last drawn may have no right line (it runs off the edge). The grid
        may name a column or two past the edge as well: those have no left line and are left out."""
        edges = self.verticals[:len(self.names) + 1]
        if not self.overflows and len(edges) == len(self.names):  # the last column ends at the grid's own edge
            edges = [*edges, self.image.size[0]]
        return [Column(name, edges[i], edges[i + 1] if i + 1 < len(edges) else None)
                for i, name in enumerate(self.names[:len(edges)])]

    def cut(self, names: list[str]) -> list[str]:
        """Cells of these columns whose text reaches the cell's outer pixels: cut at the right, or
        a wrapped line cut at the top or bottom (names: 'column, row n')."""
        px = self.image.load()
        found = []
        rows = list(zip(self.horizontals, self.horizontals[1:]))
        for column in self.columns():
            if column.name not in names or column.right is None:
                continue
            for n, (top, bottom) in enumerate(rows, start=1):
                right = [px[x, y] for x in range(column.right - EDGE, column.right)
                         for y in range(top + 1, bottom)]
                ends = [px[x, y] for x in range(column.left + 1, column.right)
                        for y in (*range(top + 1, top + 1 + EDGE), *range(bottom - EDGE, bottom))]
                if any(_is_ink(p) for p in right) or any(_is_ink(p) for p in ends):
                    found.append(f"{column.name}, row {n}")
        return found


def read(page: Page, grid: Locator) -> Grid:
    """The grid as drawn now, scrolled fully into view and with the mouse away from it."""
    grid.scroll_into_view_if_needed()
    page.mouse.move(0, 0)  # no hover highlight
    page.wait_for_timeout(300)
    image = Image.open(io.BytesIO(grid.get_by_test_id("data-grid-canvas").screenshot())).convert("RGB")
    px = image.load()
    width, height = image.size
    header = next(y for y in range(10, height)  # the header's bottom line (not a border above it)
                  if sum(_is_line(px[x, y]) for x in range(width)) > 0.9 * width)
    verticals = [x for x in range(width) if sum(_is_line(px[x, y]) for y in range(2, header - 1)) > 0.8 * (header - 3)]
    verticals = [x for i, x in enumerate(verticals) if i == 0 or x - verticals[i - 1] > 1]  # one per line
    inside = verticals[0] - 2  # the row-selection column, beside its checkboxes: only the row lines cross it
    horizontals = [y for y in range(header, height) if _is_line(px[inside, y]) and _is_line(px[inside - 4, y])]
    horizontals = [y for i, y in enumerate(horizontals)
                   if (i == 0 or y - horizontals[i - 1] > 1) and y < height - 2]  # not the grid's bottom edge
    names = grid.locator("th[role=columnheader]").all_inner_texts()
    overflows = grid.locator(".dvn-scroller").first.evaluate("e => e.scrollWidth > e.clientWidth + 1")
    return Grid(image, names, verticals, horizontals, overflows)
