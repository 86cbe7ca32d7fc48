"""Progress lines and the summary table, as a person and a CI log see them."""

from __future__ import annotations

import io

from rich.console import Console

from harness.gate.progress import Progress
from harness.gate.record import Record
from harness.gate.terminal import human, summary_table


def test_ci_logs_get_a_line_per_pair_start_and_end() -> None:
    lines: list[str] = []
    times = iter([0.0, 2.5])
    progress = Progress(lines.append, tty=False, clock=lambda: next(times))
    progress.start("nano::kws", 360)
    progress.advance("nano::kws", 10, 360)  # silent without a terminal
    progress.end("nano::kws", "pass")
    assert lines == ["tinyfarm: start nano::kws (360 samples)\n", "tinyfarm: end nano::kws: pass in 2.5 s\n"]


def test_a_terminal_gets_samples_done_rate_and_eta() -> None:
    lines: list[str] = []
    times = iter([0.0, 1.0, 2.0, 4.0])
    progress = Progress(lines.append, tty=True, clock=lambda: next(times))
    progress.start("nano::kws", 100)
    progress.advance("nano::kws", 25, 100)
    progress.advance("nano::kws", 50, 100)
    assert lines[1].endswith("nano::kws: 25/100 samples (25.0/s, ETA 3.0 s)")
    assert lines[2].endswith("nano::kws: 50/100 samples (25.0/s, ETA 2.0 s)")
    assert lines[1].startswith("\r\x1b[2K")


def test_numbers_for_people() -> None:
    figures = (0.96944, 2683.4, 20288, 1_245_000, 512, None)
    assert [human(v) for v in figures] == ["0.969", "2,683", "20.3k", "1.25M", "512", "-"]


def test_the_summary_fits_80_columns() -> None:
    record = Record(
        "nucleo-l4r5zi-emu",
        "digits-cnn-with-a-long-name",
        "fail",
        metrics={
            "accuracy": 0.9694,
            "accuracy_ci_low": 0.946,
            "accuracy_ci_high": 0.983,
            "agreement": 1.0,
            "latency_p95_ms": 2683.4,
            "arena_bytes": 20288,
            "flash_bytes": 87312,
        },
        budgets=[{"name": "latency_p95_ms", "ok": False}],
    )
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, color_system=None)
    console.print(summary_table([record] * 3, console.width))
    lines = buffer.getvalue().splitlines()
    print("\n".join(lines))
    assert lines and all(len(line) <= 80 for line in lines), "\n".join(lines)
    assert any("nucleo" in line and "0.969" in line and "fail" in line for line in lines)
