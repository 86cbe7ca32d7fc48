"""The rich summary table printed at the end of a run."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from harness.config import calibration
from harness.gate.record import Record

STYLE = {"pass": "green", "fail": "red", "error": "magenta"}


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _accuracy(metrics: dict[str, object]) -> str:
    """Accuracy with its Wilson interval when there is one: a smoke subset's figure is not bare."""
    low, high = metrics.get("accuracy_ci_low"), metrics.get("accuracy_ci_high")
    if isinstance(low, float) and isinstance(high, float):
        return f"{_fmt(metrics.get('accuracy'))} [{low:.3f}, {high:.3f}]"
    return _fmt(metrics.get("accuracy"))


def summary_table(records: Iterable[Record]) -> Table:
    table = Table(title="tinyfarm results", show_lines=False)
    for column in (
        "board",
        "model",
        "verdict",
        "accuracy",
        "agreement",
        "p95 ms",
        "latency is",
        "arena B",
        "TFLM arena B",
        "flash B",
        "missed / error",
    ):
        table.add_column(column, overflow="fold")
    for r in records:
        metrics = r.metrics
        missed = "; ".join(b["name"] for b in r.budgets if not b["ok"]) or (r.error or "")
        table.add_row(
            r.board,
            r.model,
            f"[{STYLE[r.verdict]}]{r.verdict}[/]",
            _accuracy(metrics),
            _fmt(metrics.get("agreement")),
            _fmt(metrics.get("latency_p95_ms")),
            calibration.label(r.latency_calibration) or (r.latency_kind or "-"),
            _fmt(metrics.get("arena_bytes")),
            _fmt(metrics.get("tflm_arena_bytes")),
            _fmt(metrics.get("flash_bytes")),
            missed[:200],
        )
    return table


def print_summary(records: Iterable[Record], console: Console | None = None) -> None:
    (console or Console(width=160)).print(summary_table(records))
