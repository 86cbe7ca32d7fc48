"""Small inline SVG plots for the HTML report (no scripts, no fonts, no network)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

PASS, FAIL, MUTED, INK, ACCENT, BASE = "#1a7f37", "#cf222e", "#8c959f", "#24292f", "#0969da", "#8250df"


def _f(x: float) -> str:
    return f"{x:.1f}"


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `high`."""
    if high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(high / step - 1e-9) + 1)]


def _tick_label(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:g}"


@dataclass
class Strip:
    label: str
    samples: Sequence[float]
    color: str = ACCENT
    limit: float | None = None  # this row's latency budget (budgets may differ by board)


def latency_strips(rows: Sequence[Strip], unit: str = "ms", width: int = 760) -> str:
    """Per-row distributions: every sample as a dot, a box from p25 to p75, the median and
    p95 marked, and the row's budget as a red dashed line."""
    rows = [r for r in rows if len(r.samples)]
    if not rows:
        return ""
    left, right, row_h, top = 220, 20, 34, 10
    height = top + row_h * len(rows) + 30
    high = max(max(r.samples) for r in rows)
    for r in rows:
        if r.limit is not None and r.limit < high * 4:  # a far-away limit would squash the data
            high = max(high, r.limit)
    ticks = nice_ticks(high * 1.05)
    span = ticks[-1] or 1.0
    plot_w = width - left - right

    def x(value: float) -> float:
        return left + plot_w * min(value, span) / span

    parts = [
        f'<svg class="plot latency" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="latency distribution">'
    ]
    axis_y = top + row_h * len(rows)
    for t in ticks:
        parts.append(
            f'<line x1="{_f(x(t))}" y1="{top}" x2="{_f(x(t))}" y2="{axis_y}" stroke="#d0d7de" '
            f'stroke-width="0.5"/><text x="{_f(x(t))}" y="{axis_y + 14}" font-size="10" '
            f'text-anchor="middle" fill="{MUTED}">{_tick_label(t)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{axis_y + 27}" font-size="10" text-anchor="middle" '
        f'fill="{MUTED}">{escape(unit)}</text>'
    )
    for i, row in enumerate(rows):
        values = np.asarray(row.samples, dtype=np.float64)
        y = top + row_h * i + row_h / 2
        p25, p50, p75, p95 = (float(np.percentile(values, q)) for q in (25, 50, 75, 95))
        parts.append(
            f'<text x="{left - 8}" y="{y + 4}" font-size="11" text-anchor="end" fill="{INK}">'
            f"{escape(row.label)}</text>"
        )
        parts.append(
            f'<line x1="{_f(x(values.min()))}" y1="{y}" x2="{_f(x(values.max()))}" y2="{y}" '
            f'stroke="{row.color}" stroke-width="1"/>'
        )
        parts.append(
            f'<rect x="{_f(x(p25))}" y="{y - 9}" width="{_f(max(x(p75) - x(p25), 1.5))}" height="18" '
            f'fill="{row.color}" fill-opacity="0.15" stroke="{row.color}"/>'
        )
        step = max(1, len(values) // 400)
        for j, v in enumerate(values[::step]):
            jitter = ((j * 7919) % 13 - 6) * 1.1
            parts.append(
                f'<circle cx="{_f(x(float(v)))}" cy="{_f(y + jitter)}" r="1.6" fill="{row.color}" '
                f'fill-opacity="0.5"/>'
            )
        parts.append(
            f'<line x1="{_f(x(p50))}" y1="{y - 11}" x2="{_f(x(p50))}" y2="{y + 11}" stroke="{INK}" '
            f'stroke-width="2"><title>p50 {p50:.4g} {escape(unit)}</title></line>'
        )
        parts.append(
            f'<line x1="{_f(x(p95))}" y1="{y - 11}" x2="{_f(x(p95))}" y2="{y + 11}" stroke="{INK}" '
            f'stroke-width="1" stroke-dasharray="2 2"><title>p95 {p95:.4g} {escape(unit)}</title></line>'
        )
        if row.limit is not None:
            lx = x(row.limit)
            note = f"budget {row.limit:g} {escape(unit)}" + (" →" if row.limit > span else "")
            parts.append(
                f'<line class="limit" x1="{_f(lx)}" y1="{_f(y - 15)}" x2="{_f(lx)}" y2="{_f(y + 15)}" '
                f'stroke="{FAIL}" stroke-width="1.5" stroke-dasharray="4 2"><title>p95 {note}</title></line>'
                f'<text x="{_f(lx - 3)}" y="{_f(y - 6)}" font-size="9" text-anchor="end" fill="{FAIL}">'
                f"{note}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class Bar:
    label: str
    used: float
    capacity: float | None  # the board's flash or RAM
    limit: float | None = None  # the budget, when there is one


def memory_bars(rows: Sequence[Bar], width: int = 760) -> str:
    """Each bar is the board's memory; the filled part is what the firmware and model use,
    the red tick the budget."""
    if not rows:
        return ""
    left, right, row_h, top = 220, 200, 26, 6
    height = top + row_h * len(rows) + 4
    plot_w = width - left - right
    parts = [
        f'<svg class="plot memory" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="memory use">'
    ]
    for i, bar in enumerate(rows):
        y = top + row_h * i
        full = bar.capacity or max(bar.used, bar.limit or 0) * 1.25 or 1.0
        share = min(bar.used / full, 1.0)
        over_limit = bar.limit is not None and bar.used > bar.limit
        color = FAIL if over_limit or bar.used > full else ACCENT
        parts.append(
            f'<text x="{left - 8}" y="{y + 14}" font-size="11" text-anchor="end" fill="{INK}">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="16" fill="#f6f8fa" stroke="#d0d7de"/>'
            f'<rect x="{left}" y="{y + 3}" width="{_f(plot_w * share)}" height="16" fill="{color}" '
            f'fill-opacity="0.75"/>'
        )
        if bar.limit is not None and bar.limit <= full:
            lx = left + plot_w * bar.limit / full
            parts.append(
                f'<line x1="{_f(lx)}" y1="{y}" x2="{_f(lx)}" y2="{y + 22}" stroke="{FAIL}" stroke-width="2">'
                f"<title>budget {bar.limit:,.0f} B</title></line>"
            )
        of = f"of {bar.capacity:,.0f}" if bar.capacity else "(board size unknown)"
        parts.append(
            f'<text x="{left + plot_w + 6}" y="{y + 15}" font-size="10" fill="{MUTED}">'
            f"{bar.used:,.0f} B {of} ({share:.0%})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    values: Sequence[float | None], width: int = 120, height: int = 26, flagged: bool = False
) -> str:
    """A run-by-run line, oldest left; the last (current) run is the dot."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    parts = [
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" data-points="{len(points)}">'
    ]
    if points:
        low = min(v for _, v in points)
        high = max(v for _, v in points)
        span = (high - low) or (abs(high) or 1.0)
        n = max(len(values) - 1, 1)

        def xy(i: int, v: float) -> tuple[float, float]:
            y = height - 4 - (height - 8) * ((v - low) / span if high != low else 0.5)
            return 3 + (width - 6) * i / n, y

        coords = [xy(i, v) for i, v in points]
        color = FAIL if flagged else ACCENT
        if len(coords) > 1:
            path = " ".join(f"{_f(cx)},{_f(cy)}" for cx, cy in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        cx, cy = coords[-1]
        parts.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="2.5" fill="{color}"/>')
        listing = ", ".join(f"{v:.4g}" for _, v in points)
        parts.append(f"<title>{escape(listing)}</title>")
    parts.append("</svg>")
    return "".join(parts)
