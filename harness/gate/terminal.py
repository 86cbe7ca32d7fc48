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
WIDE = 150  # from this many columns on: intervals, latency basis, TFLM arena, misses in the table


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
    or went wrong follows the table (missed_lines). Names are cut (…) before figures are."""
    records = list(records)
    wide = width >= WIDE
    figures = ["verdict", "accuracy" if wide else "acc", "agree", "p95 ms", "arena B", "flash B"]
    if wide:
        figures.insert(4, "latency is")
        figures.insert(6, "TFLM arena B")
    rows = [_row(r, wide) for r in records]
    widths = [max([len(_plain(row[i + 2])) for row in rows] + [len(name)]) for i, name in enumerate(figures)]
    spare = width - sum(widths) - 2 * (len(figures) + 1) - (len("missed / error") + 2 if wide else 0)
    name_width = max(8, spare // 2)
    table = Table(title="tinyfarm results", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("board", overflow="ellipsis", no_wrap=True, max_width=name_width)
    table.add_column("model", overflow="ellipsis", no_wrap=True, max_width=name_width)
    for name, column_width in zip(figures, widths, strict=True):
        text = name == "latency is"
        table.add_column(name, no_wrap=True, justify="left" if text else "right", min_width=column_width)
    if wide:
        table.add_column("missed / error", overflow="ellipsis", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def _plain(markup: str) -> str:
    return markup.split("]", 1)[1].rsplit("[", 1)[0] if markup.startswith("[") else markup


def _row(r: Record, wide: bool) -> list[str]:
    metrics = r.metrics
    row = [escape(r.board), escape(r.model), f"[{STYLE.get(r.verdict, 'white')}]{r.verdict}[/]"]
    row += [_accuracy(metrics, wide), human(metrics.get("agreement")), human(metrics.get("latency_p95_ms"))]
    if wide:
        row.append(escape(calibration.label(r.latency_calibration) or (r.latency_kind or "-")))
    row.append(human(metrics.get("arena_bytes")))
    if wide:
        row.append(human(metrics.get("tflm_arena_bytes")))
    row.append(human(metrics.get("flash_bytes")))
    if wide:
        row.append(escape(_missed(r)[:200]))
    return row


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
