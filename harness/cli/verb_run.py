"""`farm run`: the whole farm without pytest, with the plugin's reports and exit codes.

Reports of an earlier run (results.json, report.html, manifest.json,
junit.xml) are removed before anything runs, so none outlives it; the new
ones are written at the end, also when the run is interrupted (Ctrl-C or
SIGTERM), which then says INCOMPLETE and exits 3.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from harness.cli.common import console
from harness.config import load as configload
from harness.errors import EXIT_FAILED, EXIT_INFRASTRUCTURE, EXIT_PASS, MODEL
from harness.gate import junit_cases
from harness.gate.finish import write_reports
from harness.gate.record import Record
from harness.run.farm import Farm

STALE_REPORTS = ("manifest.json", "results.json", "report.html", junit_cases.FILENAME)


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--smoke", action="store_true", help="a small stratified subset of each dataset")
    # The farm file is loaded here, after the stale reports are gone.
    p.set_defaults(func=cmd_run, needs_farm=False)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled) ends the run like Ctrl-C: reports still written."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code(records: list[Record], interrupted: bool) -> int:
    """The plugin's rule: a miss or a model error is 1; else an infrastructure error,
    an interruption or nothing judged is 3; else 0."""
    if any(r.verdict == "fail" or (r.verdict == "error" and r.error_class == MODEL) for r in records):
        return EXIT_FAILED
    judged = [r for r in records if r.verdict in ("pass", "fail")]
    if interrupted or not judged or any(r.verdict == "error" for r in records):
        return EXIT_INFRASTRUCTURE
    return EXIT_PASS


def cmd_run(unloaded: None, args: argparse.Namespace) -> int:
    """Every board × model without pytest (the plugin is the usual way)."""
    for name in STALE_REPORTS:  # before validation: an invalid farm leaves no old verdict behind
        (configload.reports_dir(Path(args.farm)) / name).unlink(missing_ok=True)
    config = configload.load(args.farm)
    farm = Farm(config, smoke=args.smoke)
    pairs = [(b.name, m.name) for b in config.boards for m in config.models]
    interrupted: str | None = None
    try:
        with sigterm_interrupts():
            for board, model in pairs:
                record = farm.run(board, model)
                console.print(f"{board}::{model}: {record.verdict} {record.error or ''}", markup=False)
    except KeyboardInterrupt as exc:
        interrupted = f"interrupted ({exc or 'SIGINT'})"
    _conclude(farm, pairs, interrupted)
    if interrupted:
        console.print(f"INCOMPLETE: {interrupted}", style="yellow", markup=False)
    console.print(f"reports: {farm.reports}", markup=False)
    return exit_code(list(farm.records.values()), interrupted is not None)


def _conclude(farm: Farm, pairs: list[tuple[str, str]], interrupted: str | None) -> None:
    not_run = [
        {"board": b, "model": m, "reason": "interrupted before it ran"}
        for b, m in pairs
        if (b, m) not in farm.records
    ]
    farm.status = {
        "status": "incomplete" if interrupted else "complete",
        "reason": interrupted,
        "not_run": not_run,
    }
    farm.write_results()
    write_reports(farm.results(), farm.reports)
    cases: list[Any] = []
    for (_, model), record in farm.records.items():
        prepared = farm.models[model]
        checks = junit_cases.checks_for(prepared.labels is not None, prepared.baseline is not None)
        cases += junit_cases.cases(record, checks)
    junit_cases.write(farm.reports / junit_cases.FILENAME, farm.config.name, cases)
