"""Horizontal bar charts as plain geometry, drawn as SVG by the template (no script, no styles)."""

from __future__ import annotations

from dataclasses import dataclass

LABEL_HEIGHT = 18  # the answer's text sits above its bar, so long answers fit narrow screens
BAR_HEIGHT = 22
GAP = 10
ROW = LABEL_HEIGHT + BAR_HEIGHT + GAP
WIDTH = 300
COUNT_WIDTH = 90  # room right of the bars for "12 (40%)"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int
    label_y: int
    bar_y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    width: int
    bar_width: int
    bar_height: int
    height: int
    bars: tuple[Bar, ...]


def bar_chart(rows: list[tuple[str, int]], total: int) -> BarChart:
    """Bars for (label, count) rows; lengths and percentages are relative to ``total`` answers."""
    bars = []
    for index, (label, count) in enumerate(rows):
        share = count / total if total else 0.0
        top = index * ROW
        bars.append(Bar(label, count, round(share * 100), top + LABEL_HEIGHT - 5,
                        top + LABEL_HEIGHT, round(share * WIDTH)))
    height = max(len(rows) * ROW - GAP, ROW - GAP)
    return BarChart(WIDTH + COUNT_WIDTH, WIDTH, BAR_HEIGHT, height, tuple(bars))
