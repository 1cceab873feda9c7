"""Charts as inline SVG strings, drawn on the server: no script, no external resource.

Every function is pure: data in, ``Chart`` out (the ``<svg>`` text and the number of data points
drawn). The page wraps a chart in its ``<figure>`` (see ``report.html``), which carries
the hooks a browser test reads:

* the ``<svg>`` has ``role="img"``, an ``aria-label`` and a ``<title>`` naming the chart, and a
  ``viewBox`` so it scales to the page width;
* every data mark (bar ``rect``, line ``path``, point ``circle``, heatmap ``rect``) has
  ``class="mark ..."`` and a ``<title>`` child (the tooltip: what, when, exact value);
* marks that stand for exactly one data point also have the class ``datum``, so
  ``svg .datum`` counts what the figure's ``data-points`` attribute announces. A line's
  ``path`` is a mark but not a datum (its points are the ``circle.datum`` on it); a forecast's
  prediction interval (``line.mark.interval``) belongs to the forecast point beside it.

Values are ``Decimal``, ``int`` or ``float``; positions are computed in floats, labels from the
exact values. Series colours follow the Okabe-Ito palette (safe for colour-blind readers); line
series also differ by dash pattern so they stay apart in greyscale print.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from report.formatting import EN_DASH, Number, Unit, esc
from report.formatting import day as day_label

WIDTH = 800
FONT_PX = 12
CHAR_PX = 7.2  # generous average advance of a 12px system font, for layout estimates

# Okabe-Ito, reordered so neighbours differ in lightness too; yellow last (weak on white).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
)
OTHER_COLOR = "#8c8c8c"
DASHES = ("", "6 3", "2 3", "9 3 2 3", "12 4", "3 3 1 3", "1 2", "10 2 2 2 2 2")


@dataclass(frozen=True)
class Series:
    """One named series: a value (or ``None`` = no data) per x position or category."""

    name: str
    values: Sequence[Number | None]
    color: str | None = None
    dash: str | None = None


@dataclass(frozen=True)
class XAxis:
    """Positions along x: a full label per position (tooltips) and the positions that get a tick."""

    labels: Sequence[str]
    ticks: Sequence[tuple[int, str]]


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: a key into the chart's styles and its tooltip text."""

    status: str
    tooltip: str


@dataclass(frozen=True)
class Chart:
    svg: str
    points: int
    series: int = 1


def color_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def dash_of(index: int) -> str:
    return DASHES[index % len(DASHES)]


# --------------------------------------------------------------------------- axes


def date_axis(days: Sequence[date], max_ticks: int = 10) -> XAxis:
    """One position per day; ticks every 1, 2, 7 (Mondays), 14 days or on the 1st of a month."""
    labels = [day_label(d) for d in days]
    n = len(days)
    if n == 0:
        return XAxis(labels, [])
    step = next((s for s in (1, 2, 7, 14) if n / s <= max_ticks), 0)
    if step in (1, 2):
        ticks = [(i, labels[i]) for i in range(0, n, step)]
    elif step:
        offset = next((i for i, d in enumerate(days) if d.weekday() == 0), 0)
        ticks = [(i, labels[i]) for i in range(offset, n, step)]
    else:
        firsts = [i for i, d in enumerate(days) if d.day == 1] or [0]
        every = max(1, math.ceil(len(firsts) / max_ticks))
        ticks = [(i, f"{days[i]:%b %Y}") for i in firsts[::every]]
    return XAxis(labels, ticks)


def week_axis(weeks: Sequence[date], period_start: date, period_end: date) -> XAxis:
    """One position per week (its Monday); a week cut by the period says so in its label."""
    labels = []
    for monday in weeks:
        first, last = max(monday, period_start), min(monday + timedelta(6), period_end)
        partial = " (partial week)" if (last - first).days < 6 else ""
        span = f"{day_label(first)}{EN_DASH}{day_label(last)}"
        labels.append(f"week of {day_label(monday)}: {span}{partial}")
    every = max(1, math.ceil(len(weeks) / 10))
    return XAxis(labels, [(i, day_label(weeks[i])) for i in range(0, len(weeks), every)])


def category_axis(labels: Sequence[str]) -> XAxis:
    return XAxis(list(labels), list(enumerate(labels)))


def nice_ticks(lo: float, hi: float, target: int = 5, integer: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``[lo, hi]``."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        hi = lo + (abs(lo) or 1)
    raw = (hi - lo) / max(1, target)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * 1.0000001)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    start = math.floor(lo / step + 1e-9) * step
    stop = math.ceil(hi / step - 1e-9) * step
    count = round((stop - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


@dataclass(frozen=True)
class _Scale:
    """Linear map of values to pixels (for y: top of the plot is the largest tick)."""

    lo: float
    hi: float
    px_lo: float
    px_hi: float

    def __call__(self, value: float) -> float:
        return self.px_lo + (value - self.lo) / (self.hi - self.lo) * (self.px_hi - self.px_lo)


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _text_width(text: str) -> float:
    return len(text) * CHAR_PX


def _truncate(text: str, max_px: float) -> str:
    limit = max(3, int(max_px / CHAR_PX))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: float, height: float, label: str, body: Sequence[str]) -> str:
    return (
        f'<svg viewBox="0 0 {_f(width)} {_f(height)}" role="img" aria-label="{esc(label)}" '
        f'preserveAspectRatio="xMinYMin meet"><title>{esc(label)}</title>{"".join(body)}</svg>'
    )


def _y_axis(scale: _Scale, ticks: Sequence[float], unit: Unit, left: float, right: float) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    parts = ['<g class="axis y-axis">']
    for tick in ticks:
        y = scale(tick)
        cls = "grid zero" if tick == 0 else "grid"
        parts.append(
            f'<line class="{cls}" x1="{_f(left)}" x2="{_f(right)}" y1="{_f(y)}" y2="{_f(y)}"/>'
        )
        parts.append(
            f'<text x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end">'
            f"{esc(unit.tick(tick, step))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _x_axis(axis: XAxis, left: float, band: float, y: float) -> str:
    parts = ['<g class="axis x-axis">']
    for index, text in axis.ticks:
        x = left + (index + 0.5) * band
        parts.append(
            f'<line class="tick" x1="{_f(x)}" x2="{_f(x)}" y1="{_f(y)}" y2="{_f(y + 4)}"/>'
        )
        parts.append(f'<text x="{_f(x)}" y="{_f(y + 16)}" text-anchor="middle">{esc(text)}</text>')
    parts.append("</g>")
    return "".join(parts)


@dataclass(frozen=True)
class _LegendItem:
    name: str
    color: str
    shape: str = "bar"  # bar | line | point | cell
    dash: str = ""
    stroke: str = ""


def _legend(items: Sequence[_LegendItem], top: float, left: float = 8) -> tuple[str, float]:
    """Legend rows below the plot; returns the SVG and the height used."""
    if not items:
        return "", 0.0
    parts = ['<g class="legend">']
    x, y, row = left, top + 14, 18.0
    max_text = 300.0
    for item in items:
        text = _truncate(item.name, max_text)
        width = 24 + _text_width(text) + 18
        if x + width > WIDTH - 8 and x > left:
            x, y = left, y + row
        parts.append(f'<g class="legend-item"><title>{esc(item.name)}</title>')
        if item.shape == "line":
            dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
            parts.append(
                f'<line x1="{_f(x)}" x2="{_f(x + 18)}" y1="{_f(y - 4)}" y2="{_f(y - 4)}" '
                f'stroke="{item.color}" stroke-width="2.5"{dash}/>'
            )
        elif item.shape == "point":
            parts.append(
                f'<circle cx="{_f(x + 9)}" cy="{_f(y - 4)}" r="4" fill="{item.color}" '
                f'stroke="#fff"/>'
            )
        else:
            stroke = f' stroke="{item.stroke}"' if item.stroke else ""
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(y - 11)}" width="18" height="12" '
                f'fill="{item.color}"{stroke}/>'
            )
        parts.append(f'<text x="{_f(x + 24)}" y="{_f(y)}">{esc(text)}</text></g>')
        x += width
    parts.append("</g>")
    return "".join(parts), y - top + 8


def _series_style(series: Sequence[Series]) -> list[tuple[str, str]]:
    return [
        (s.color or color_of(i), s.dash if s.dash is not None else dash_of(i))
        for i, s in enumerate(series)
    ]


# --------------------------------------------------------------------------- charts


def line_chart(
    *,
    label: str,
    x: XAxis,
    series: Sequence[Series],
    unit: Unit,
    y_range: tuple[float, float] | None = None,
    height: float = 240,
) -> Chart:
    """One line per series over the x positions; ``None`` values break the line."""
    values = [float(v) for s in series for v in s.values if v is not None]
    if not values:
        return Chart("", 0, len(series))
    lo, hi = y_range or (min(0.0, min(values)), max(0.0, max(values)))
    ticks = nice_ticks(lo, hi, integer=unit.kind == "count")
    if y_range:
        ticks = [t for t in ticks if y_range[0] <= t <= y_range[1]] or list(y_range)
    left, right, top, plot_h = 72.0, WIDTH - 16.0, 12.0, height
    n = len(x.labels)
    band = (right - left) / max(1, n)
    scale = _Scale(ticks[0], ticks[-1], top + plot_h, top)
    radius = 3.0 if n <= 31 else 2.0 if n <= 62 else 1.5
    styles = _series_style(series)
    body = [_y_axis(scale, ticks, unit, left, right), _x_axis(x, left, band, top + plot_h)]
    points = 0
    for s, (color, dash) in zip(series, styles, strict=True):
        coords = [
            None if v is None else (left + (i + 0.5) * band, scale(float(v)))
            for i, v in enumerate(s.values)
        ]
        segments: list[list[tuple[float, float]]] = [[]]
        for c in coords:
            if c is None:
                if segments[-1]:
                    segments.append([])
            else:
                segments[-1].append(c)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for segment in segments:
            if len(segment) < 2:
                continue
            d = "M" + "L".join(f"{_f(px)},{_f(py)}" for px, py in segment)
            body.append(
                f'<path class="mark line" d="{d}" fill="none" stroke="{color}" '
                f'stroke-width="2"{dash_attr}><title>{esc(s.name)}</title></path>'
            )
        for i, (v, c) in enumerate(zip(s.values, coords, strict=True)):
            if v is None or c is None:
                continue
            points += 1
            body.append(
                f'<circle class="mark point datum" cx="{_f(c[0])}" cy="{_f(c[1])}" '
                f'r="{_f(radius)}" fill="{color}"><title>{esc(s.name)} · '
                f"{esc(x.labels[i])}: {esc(unit.label(v))}</title></circle>"
            )
    legend, legend_h = _legend(
        [
            _LegendItem(s.name, color, "line", dash)
            for s, (color, dash) in zip(series, styles, strict=True)
        ],
        top + plot_h + 24,
    )
    body.append(legend)
    return Chart(_svg(WIDTH, top + plot_h + 24 + legend_h + 4, label, body), points, len(series))


def stacked_bar_chart(
    *,
    label: str,
    x: XAxis,
    series: Sequence[Series],
    unit: Unit,
    height: float = 240,
) -> Chart:
    """Bars per x position, series stacked in order (negative values stack below zero)."""
    n = len(x.labels)
    tops = [0.0] * n
    bottoms = [0.0] * n
    for s in series:
        for i, v in enumerate(s.values):
            if v is None:
                continue
            if v > 0:
                tops[i] += float(v)
            elif v < 0:
                bottoms[i] += float(v)
    if not any(v for s in series for v in s.values if v is not None):
        return Chart("", 0, len(series))
    ticks = nice_ticks(min([*bottoms, 0.0]), max([*tops, 0.0]), integer=unit.kind == "count")
    left, right, top, plot_h = 72.0, WIDTH - 16.0, 12.0, height
    band = (right - left) / max(1, n)
    bar_w = min(48.0, band * 0.72)
    scale = _Scale(ticks[0], ticks[-1], top + plot_h, top)
    body = [_y_axis(scale, ticks, unit, left, right), _x_axis(x, left, band, top + plot_h)]
    styles = _series_style(series)
    up = [0.0] * n
    down = [0.0] * n
    points = 0
    for s, (color, _) in zip(series, styles, strict=True):
        for i, v in enumerate(s.values):
            if v is None or v == 0:
                continue
            value = float(v)
            if value > 0:
                start, up[i] = up[i], up[i] + value
                y1, y0 = scale(up[i]), scale(start)
            else:
                start, down[i] = down[i], down[i] + value
                y1, y0 = scale(start), scale(down[i])
            points += 1
            bx = left + (i + 0.5) * band - bar_w / 2
            body.append(
                f'<rect class="mark bar datum" x="{_f(bx)}" y="{_f(y1)}" width="{_f(bar_w)}" '
                f'height="{_f(max(0.5, y0 - y1))}" fill="{color}"><title>{esc(x.labels[i])} · '
                f"{esc(s.name)}: {esc(unit.label(v))}</title></rect>"
            )
    legend, legend_h = _legend(
        [_LegendItem(s.name, color) for s, (color, _) in zip(series, styles, strict=True)],
        top + plot_h + 24,
    )
    body.append(legend)
    return Chart(_svg(WIDTH, top + plot_h + 24 + legend_h + 4, label, body), points, len(series))


def hbar_chart(
    *,
    label: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: Unit,
    show_totals: bool = True,
) -> Chart:
    """One horizontal bar per category, series stacked left to right; values <= 0 not drawn."""
    totals = [
        sum(float(s.values[i]) for s in series if s.values[i] is not None and s.values[i] > 0)
        for i in range(len(categories))
    ]
    if not any(totals):
        return Chart("", 0, len(series))
    row_h, bar_h = 24.0, 16.0
    left = min(280.0, max(90.0, max(_text_width(c) for c in categories) + 16))
    right = WIDTH - (96.0 if show_totals else 16.0)
    top = 8.0
    plot_h = row_h * len(categories)
    ticks = nice_ticks(0.0, max(totals), integer=unit.kind == "count")
    scale = _Scale(ticks[0], ticks[-1], left, right)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    body = ['<g class="axis x-axis">']
    for tick in ticks:
        px = scale(tick)
        body.append(
            f'<line class="grid" x1="{_f(px)}" x2="{_f(px)}" y1="{_f(top)}" '
            f'y2="{_f(top + plot_h)}"/><text x="{_f(px)}" y="{_f(top + plot_h + 16)}" '
            f'text-anchor="middle">{esc(unit.tick(tick, step))}</text>'
        )
    body.append('</g><g class="axis y-axis">')
    for i, category in enumerate(categories):
        y = top + i * row_h + row_h / 2 + 4
        body.append(
            f'<text x="{_f(left - 8)}" y="{_f(y)}" text-anchor="end"><title>{esc(category)}'
            f"</title>{esc(_truncate(category, left - 16))}</text>"
        )
    body.append("</g>")
    styles = _series_style(series)
    points = 0
    for i, category in enumerate(categories):
        offset = 0.0
        y = top + i * row_h + (row_h - bar_h) / 2
        for s, (color, _) in zip(series, styles, strict=True):
            v = s.values[i]
            if v is None or v <= 0:
                continue
            x0, offset = scale(offset), offset + float(v)
            points += 1
            who = f"{category} · {s.name}" if len(series) > 1 else category
            body.append(
                f'<rect class="mark bar datum" x="{_f(x0)}" y="{_f(y)}" '
                f'width="{_f(max(0.5, scale(offset) - x0))}" height="{_f(bar_h)}" '
                f'fill="{color}"><title>{esc(who)}: {esc(unit.label(v))}</title></rect>'
            )
        if show_totals:
            total = sum(
                (s.values[i] for s in series if s.values[i] is not None and s.values[i] > 0),
                start=0,
            )
            body.append(
                f'<text class="total" x="{_f(scale(offset) + 6)}" y="{_f(y + bar_h - 4)}">'
                f"{esc(unit.label(total))}</text>"
            )
    legend_h = 0.0
    if len(series) > 1:
        drawn = [
            (s, color)
            for s, (color, _) in zip(series, styles, strict=True)
            if any(v is not None and v > 0 for v in s.values)
        ]
        legend, legend_h = _legend(
            [_LegendItem(s.name, color) for s, color in drawn],
            top + plot_h + 24,
        )
        body.append(legend)
    return Chart(_svg(WIDTH, top + plot_h + 28 + legend_h, label, body), points, len(series))


def forecast_chart(
    *,
    label: str,
    x: XAxis,
    actual: Sequence[Number | None],
    forecast: Sequence[Number | None],
    lower: Sequence[Number | None],
    upper: Sequence[Number | None],
    unit: Unit,
    height: float = 220,
) -> Chart:
    """Actual cost bars per position; the forecast total as a point with its interval."""
    values = [float(v) for seq in (actual, forecast, lower, upper) for v in seq if v is not None]
    if not values:
        return Chart("", 0, 2)
    ticks = nice_ticks(min(0.0, min(values)), max(0.0, max(values)))
    left, right, top, plot_h = 72.0, WIDTH - 16.0, 12.0, height
    n = len(x.labels)
    band = (right - left) / max(1, n)
    bar_w = min(90.0, band * 0.5)
    scale = _Scale(ticks[0], ticks[-1], top + plot_h, top)
    body = [_y_axis(scale, ticks, unit, left, right), _x_axis(x, left, band, top + plot_h)]
    bar_color, forecast_color = PALETTE[0], PALETTE[5]
    points = 0
    for i in range(n):
        cx = left + (i + 0.5) * band
        a = actual[i]
        if a is not None:
            y0, y1 = scale(0.0), scale(float(a))
            points += 1
            body.append(
                f'<rect class="mark bar datum actual" x="{_f(cx - bar_w / 2)}" '
                f'y="{_f(min(y0, y1))}" width="{_f(bar_w)}" height="{_f(max(0.5, abs(y0 - y1)))}" '
                f'fill="{bar_color}"><title>{esc(x.labels[i])} · actual: {esc(unit.label(a))}'
                f"</title></rect>"
            )
        f = forecast[i]
        if f is None:
            continue
        lo, hi = lower[i], upper[i]
        band_text = ""
        if lo is not None and hi is not None:
            band_text = f" (interval {unit.label(lo)} {EN_DASH} {unit.label(hi)})"
            fx = cx + bar_w / 2 + 10
            body.append(
                f'<g class="mark interval"><title>{esc(x.labels[i])} · prediction interval: '
                f"{esc(unit.label(lo))} {EN_DASH} {esc(unit.label(hi))}</title>"
                f'<line x1="{_f(fx)}" x2="{_f(fx)}" y1="{_f(scale(float(lo)))}" '
                f'y2="{_f(scale(float(hi)))}" stroke="{forecast_color}" stroke-width="2"/>'
                f'<line x1="{_f(fx - 5)}" x2="{_f(fx + 5)}" y1="{_f(scale(float(lo)))}" '
                f'y2="{_f(scale(float(lo)))}" stroke="{forecast_color}" stroke-width="2"/>'
                f'<line x1="{_f(fx - 5)}" x2="{_f(fx + 5)}" y1="{_f(scale(float(hi)))}" '
                f'y2="{_f(scale(float(hi)))}" stroke="{forecast_color}" stroke-width="2"/></g>'
            )
        points += 1
        body.append(
            f'<circle class="mark point datum forecast" cx="{_f(cx + bar_w / 2 + 10)}" '
            f'cy="{_f(scale(float(f)))}" r="5" fill="{forecast_color}" stroke="#fff">'
            f"<title>{esc(x.labels[i])} · forecast month total: {esc(unit.label(f))}"
            f"{esc(band_text)}</title></circle>"
        )
    legend, legend_h = _legend(
        [
            _LegendItem("Actual cost of the month", bar_color),
            _LegendItem("Forecast month total", forecast_color, "point"),
            _LegendItem("Prediction interval", forecast_color, "line"),
        ],
        top + plot_h + 24,
    )
    body.append(legend)
    return Chart(_svg(WIDTH, top + plot_h + 24 + legend_h + 4, label, body), points, 2)


def heatmap(
    *,
    label: str,
    rows: Sequence[str],
    x: XAxis,
    cells: Sequence[Sequence[Cell]],
    styles: Mapping[str, tuple[str, str]],
) -> Chart:
    """A grid of rows x positions; ``styles`` maps a cell status to (fill colour, legend text)."""
    if not rows or not x.labels:
        return Chart("", 0, 0)
    n = len(x.labels)
    left = min(240.0, max(90.0, max(_text_width(r) for r in rows) + 16))
    right, top = WIDTH - 8.0, 8.0
    cell_w = (right - left) / n
    cell_h = 20.0
    gap = 1.0 if cell_w > 4 else 0.0
    body = ['<g class="axis y-axis">']
    for r, name in enumerate(rows):
        y = top + r * cell_h + cell_h / 2 + 4
        body.append(
            f'<text x="{_f(left - 8)}" y="{_f(y)}" text-anchor="end"><title>{esc(name)}</title>'
            f"{esc(_truncate(name, left - 16))}</text>"
        )
    body.append("</g>")
    body.append(_x_axis(x, left, cell_w, top + cell_h * len(rows)))
    used: dict[str, int] = {}
    points = 0
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            fill, _ = styles.get(cell.status, ("#ffffff", cell.status))
            used[cell.status] = used.get(cell.status, 0) + 1
            points += 1
            body.append(
                f'<rect class="mark cell datum status-{esc(cell.status)}" '
                f'data-status="{esc(cell.status)}" x="{_f(left + c * cell_w + gap / 2)}" '
                f'y="{_f(top + r * cell_h + gap / 2)}" width="{_f(cell_w - gap)}" '
                f'height="{_f(cell_h - gap)}" fill="{fill}">'
                f"<title>{esc(cell.tooltip)}</title></rect>"
            )
    legend, legend_h = _legend(
        [
            _LegendItem(f"{text} ({used.get(status, 0)})", fill, "bar", stroke="#8c8c8c")
            for status, (fill, text) in styles.items()
        ],
        top + cell_h * len(rows) + 24,
    )
    body.append(legend)
    height = top + cell_h * len(rows) + 24 + legend_h + 4
    return Chart(_svg(WIDTH, height, label, body), points, len(rows))
