"""The summary table printed at the end of a run: fits the terminal (80 columns
readable), numbers rounded for people; results.json and JUnit keep full precision."""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.config import calibration
from harness.gate.record import Record

STYLE = {"pass": "green", "fail": "red", "error": "magenta"}
WIDE = 120  # from this many columns on, the table shows intervals, latency basis and TFLM's arena


def human(value: object, digits: int = 3) -> str:
    """A figure for people: 0.969, 12.6, 2,683, 20.3k, 1.24M; '-' when unmeasured."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    magnitude = abs(float(value))
    for threshold, divisor, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if magnitude >= threshold:
            return f"{value / divisor:.{digits}g}{suffix}"
    if magnitude >= 1000 or isinstance(value, int):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _accuracy(metrics: dict[str, object], wide: bool) -> str:
    """Accuracy with its Wilson interval when there is one (wide terminals)."""
    low, high = metrics.get("accuracy_ci_low"), metrics.get("accuracy_ci_high")
    if wide and isinstance(low, float) and isinstance(high, float):
        return f"{human(metrics.get('accuracy'))} [{low:.3f}, {high:.3f}]"
    return human(metrics.get("accuracy"))


def summary_table(records: Iterable[Record], width: int = 80) -> Table:
    """One row per board × model. Narrow terminals get the figures only; what was missed
    or went wrong follows the table (missed_lines)."""
    wide = width >= WIDE
    table = Table(title="tinyfarm results", box=box.SIMPLE_HEAD, pad_edge=False, width=min(width, 200))
    table.add_column("board", overflow="ellipsis", no_wrap=True, ratio=3)
    table.add_column("model", overflow="ellipsis", no_wrap=True, ratio=3)
    for column in ("verdict", "accuracy", "agree", "p95 ms"):
        table.add_column(column, no_wrap=True, justify="right", min_width=len(column))
    if wide:
        table.add_column("latency is", overflow="ellipsis", no_wrap=True, ratio=2)
    table.add_column("arena B", no_wrap=True, justify="right", min_width=6)
    if wide:
        table.add_column("TFLM arena B", no_wrap=True, justify="right")
    table.add_column("flash B", no_wrap=True, justify="right", min_width=6)
    if wide:
        table.add_column("missed / error", overflow="ellipsis", no_wrap=True, ratio=4)
    for r in records:
        metrics = r.metrics
        row = [
            escape(r.board),
            escape(r.model),
            f"[{STYLE.get(r.verdict, 'white')}]{r.verdict}[/]",
            _accuracy(metrics, wide),
            human(metrics.get("agreement")),
            human(metrics.get("latency_p95_ms")),
        ]
        if wide:
            row.append(escape(calibration.label(r.latency_calibration) or (r.latency_kind or "-")))
        row.append(human(metrics.get("arena_bytes")))
        if wide:
            row.append(human(metrics.get("tflm_arena_bytes")))
        row.append(human(metrics.get("flash_bytes")))
        if wide:
            row.append(escape(_missed(r)[:200]))
        table.add_row(*row)
    return table


def _missed(record: Record) -> str:
    return "; ".join(b["name"] for b in record.budgets if not b["ok"]) or (record.error or "")


def missed_lines(records: Iterable[Record]) -> list[str]:
    """Below a narrow table: each pair that missed a budget or failed, and why."""
    return [f"{r.board}::{r.model}: {_missed(r)}" for r in records if r.verdict != "pass" and _missed(r)]


def print_summary(records: Iterable[Record], console: Console | None = None) -> None:
    """To the terminal at its width ($COLUMNS when set); a pipe gets 120 columns."""
    if console is None:
        columns = shutil.get_terminal_size((WIDE, 24)).columns
        console = Console(width=columns)
    records = list(records)
    console.print(summary_table(records, console.width))
    if console.width < WIDE:
        for line in missed_lines(records):
            console.print(escape(line), overflow="fold", soft_wrap=False)
