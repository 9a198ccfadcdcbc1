"""Server-side SVG charts from small pure functions: bars (stacked) and lines.

Hand-built rather than pygal: pygal's SVG carries a <style> element and a script for its
tooltips, which the console's Content-Security-Policy (style-src 'self', no inline
script) blocks when the SVG is inlined in the page. Colours here are SVG presentation
attributes (fill, stroke), which CSP does not govern, so the charts need no inline style.
Each chart is an <svg role="img"> with a <title> and a <desc>; the page puts the same
numbers in a table beside it (screen readers read the table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

# Colour-blind-safe (Okabe-Ito), in the order series are drawn.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 42     # margins: the y labels, the x labels and the legend
TICKS = 5    # y gridlines above 0: a nice_max top (1, 2, 5 x 10^n) over 5 gives round steps

Series = tuple[str, Sequence[float | int | None]]


def nice_max(value: float) -> float:
    """A round top for the y axis at or above `value` (1, 2, 5 x 10^n); 1 for nothing."""
    if value <= 0:
        return 1
    step = 10.0 ** math.floor(math.log10(value))
    return next(factor * step for factor in (1, 2, 5, 10) if factor * step >= value)


def _number(value: float) -> str:
    return f"{value:g}" if value < 10000 else f"{value / 1000:g}k"


def _frame(title: str, desc: str, top: float, labels: Sequence[str], body: list[str], series: Sequence[Series],
           chart_id: str) -> Markup:
    """The svg element: title, desc, y gridlines with labels, x labels (thinned), the
    plotted `body` and a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i in range(TICKS + 1):
        value = top * i / TICKS
        y = TOP + plot_h - plot_h * i / TICKS
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333">'
                     f'{_number(value)}</text>')
    every = max(1, -(-len(labels) // 10))      # at most ~10 x labels
    slot = plot_w / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x = LEFT + slot * (i + 0.5)
            parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14:.1f}" text-anchor="middle" font-size="11" '
                         f'fill="#333">{escape(label)}</text>')
    parts.extend(body)
    x = LEFT
    for n, (name, _) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11" fill="#333">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(title: str, labels: Sequence[str], series: Sequence[Series], *, chart_id: str, desc: str = "") -> Markup:
    """A stacked bar chart: one bar a label, the series stacked in order (None counts 0)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum((values[i] or 0) for _, values in series) for i in range(len(labels))]
    top = nice_max(max(totals, default=0))
    slot = plot_w / max(1, len(labels))
    width = max(1.0, slot * 0.8)
    body = []
    for i in range(len(labels)):
        base = 0.0
        for n, (_, values) in enumerate(series):
            value = values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / top
            y = TOP + plot_h - plot_h * base / top - h
            body.append(f'<rect x="{LEFT + slot * i + (slot - width) / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
                        f'height="{h:.1f}" fill="{PALETTE[n % len(PALETTE)]}"/>')
            base += value
    return _frame(title, desc or title, top, labels, body, series, chart_id)


def lines(title: str, labels: Sequence[str], series: Sequence[Series], *, chart_id: str, desc: str = "",
          top: float | None = None) -> Markup:
    """A line chart; a None value breaks the line (a day without data), a lone point is a dot."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [v for _, vs in series for v in vs if v is not None]
    top = top or nice_max(max(values, default=0))
    slot = plot_w / max(1, len(labels))
    body = []
    for n, (_, vs) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
                continue
            runs[-1].append((LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * v / top))
        for run in runs:
            if len(run) == 1:
                body.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2.5" fill="{colour}"/>')
            elif run:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    return _frame(title, desc or title, top, labels, body, series, chart_id)
