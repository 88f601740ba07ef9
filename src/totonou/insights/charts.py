"""Geometry for the dashboard's server-rendered charts (SVG and HTML bars), no database.

Each function turns a selector's numbers into what a template draws: coordinates in a fixed SVG
``viewBox`` or percentages for HTML bars. The numbers themselves are always printed as text beside the
chart too (a chart is never the only way to read a figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The SVG charts' drawing area (viewBox units); the SVG scales to its container's width.
WIDTH, HEIGHT = 320, 140
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 24


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return round(LEFT + (inner * (index + 0.5) / count), 1)


def _y(share: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return round(TOP + inner * (1 - max(0.0, min(1.0, share))), 1)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    period: Any
    value: float | None


@dataclass(frozen=True)
class LineChart:
    """A rate (0–1) per period: a polyline through the periods that have a value."""

    points: list[Point]
    polyline: str
    gridlines: list[tuple[float, int]]  # (y, percent)
    baseline: float


def rate_line(periods: Sequence[Any], rates: Sequence[float | None]) -> LineChart:
    points = [
        Point(_x(index, len(periods)), _y(value if value is not None else 0.0), period, value)
        for index, (period, value) in enumerate(zip(periods, rates, strict=True))
    ]
    drawn = " ".join(f"{point.x},{point.y}" for point in points if point.value is not None)
    return LineChart(points, drawn, [(_y(p / 100), p) for p in (0, 50, 100)], _y(0))


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    period: Any
    value: float | None
    on_track: bool | None

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class ShareChart:
    """A share (0–1) per week as bars, and the target as a horizontal line."""

    bars: list[Bar]
    target_y: float
    target: int  # percent
    gridlines: list[tuple[float, int]]
    baseline: float


def share_bars(periods: Sequence[Any], shares: Sequence[float | None], target_percent: int) -> ShareChart:
    count = len(periods)
    slot = (WIDTH - LEFT - RIGHT) / count
    width = round(min(36.0, slot * 0.6), 1)
    bars = []
    for index, (period, share) in enumerate(zip(periods, shares, strict=True)):
        top = _y(share or 0.0)
        on_track = None if share is None else share * 100 >= target_percent
        bars.append(
            Bar(
                round(_x(index, count) - width / 2, 1),
                top,
                width,
                round(_y(0) - top, 1),
                period,
                share,
                on_track,
            )
        )
    return ShareChart(
        bars, _y(target_percent / 100), target_percent, [(_y(p / 100), p) for p in (0, 50, 100)], _y(0)
    )


@dataclass(frozen=True)
class Segment:
    """One part of a stacked HTML bar: a CSS class, its count and its width in percent of the scale."""

    name: str
    label: str
    count: int
    percent: float


def stacked(parts: Sequence[tuple[str, str, int]], scale: int) -> list[Segment]:
    """``parts`` as (css name, label, count), each as a share of ``scale`` (the longest bar)."""
    return [
        Segment(name, label, count, round(100 * count / scale, 2) if scale else 0.0)
        for name, label, count in parts
        if count
    ]


@dataclass(frozen=True)
class TargetMonth:
    """One month of the target chart: the actual bar, the target point and the forecast mark."""

    period: Any
    bar: Bar
    target: int | None
    target_y: float | None
    forecast: float | None
    forecast_y: float | None
    x: float


@dataclass(frozen=True)
class TargetChart:
    """Per month of the fiscal year: actual bars, the target as a line, the forecast as marks."""

    months: list[TargetMonth]
    target_line: str
    scale: float  # the value at the top of the drawing area
    gridlines: list[tuple[float, int]]  # (y, value)
    baseline: float


def target_chart(
    periods: Sequence[Any],
    actuals: Sequence[int],
    targets: Sequence[int | None],
    forecasts: Sequence[float | None],
) -> TargetChart:
    values = [*actuals, *(t for t in targets if t is not None), *(f for f in forecasts if f is not None)]
    scale = float(max(values, default=0)) or 1.0
    count = len(periods)
    slot = (WIDTH - LEFT - RIGHT) / count
    width = round(min(36.0, slot * 0.6), 1)
    months = []
    for index, period in enumerate(periods):
        actual, target, forecast = actuals[index], targets[index], forecasts[index]
        x = _x(index, count)
        top = _y(actual / scale)
        bar = Bar(round(x - width / 2, 1), top, width, round(_y(0) - top, 1), period, actual, None)
        months.append(
            TargetMonth(
                period=period,
                bar=bar,
                target=target,
                target_y=_y(target / scale) if target is not None else None,
                forecast=forecast,
                forecast_y=_y(forecast / scale) if forecast is not None else None,
                x=x,
            )
        )
    line = " ".join(f"{month.x},{month.target_y}" for month in months if month.target_y is not None)
    gridlines = [(_y(share), round(scale * share)) for share in (0.0, 0.5, 1.0)]
    return TargetChart(months, line, scale, gridlines, _y(0))


#: The horizontal bar charts (pipeline analytics): label column, bar area and value column (viewBox).
HBAR_LABEL, HBAR_START, HBAR_END, HBAR_ROW, HBAR_LABEL_CHARS = 96, 100, 244, 22, 12


@dataclass(frozen=True)
class HBar:
    """One row of a horizontal bar chart: its label (cut to fit), the bar's width and an inner bar's
    (``part``, e.g. moved forward of entered), the value printed at its end."""

    key: str
    label: str
    y: float
    width: float
    part_width: float | None
    value: Any

    @property
    def text_x(self) -> float:
        return round(HBAR_START + self.width + 4, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + HBAR_ROW * 0.4, 1)


@dataclass(frozen=True)
class HBarChart:
    bars: list[HBar]
    height: int
    x: int = HBAR_START
    label_x: int = HBAR_LABEL


def horizontal_bars(
    rows: Sequence[tuple[str, str, float | None, float | None]], scale: float | None = None
) -> HBarChart:
    """``rows`` as (key, label, value, part): a bar per row, as long as its value's share of ``scale``
    (the largest value by default), with ``part`` drawn inside it; None draws no bar."""
    values = [float(value) for _key, _label, value, _part in rows if value is not None]
    scale = scale or max(values, default=0.0) or 1.0
    inner = HBAR_END - HBAR_START
    bars = []
    for index, (key, label, value, part) in enumerate(rows):
        short = label if len(label) <= HBAR_LABEL_CHARS else label[: HBAR_LABEL_CHARS - 1] + "…"
        bars.append(
            HBar(
                key=key,
                label=short,
                y=4 + index * HBAR_ROW,
                width=round(inner * max(0.0, min(1.0, (value or 0) / scale)), 1),
                part_width=round(inner * max(0.0, min(1.0, part / scale)), 1) if part is not None else None,
                value=value,
            )
        )
    return HBarChart(bars=bars, height=8 + len(rows) * HBAR_ROW)
