"""What a pytest run of the farm concluded: complete or not, and its exit code.

The gate's promise rests here. A run is complete only when every selected
board × model was judged and nothing interrupted it; the manifest needs a
complete run in which every collected test passed, the user's own included.
Exit codes (docs/release-gate.md): 0 pass, 1 a budget or test failed,
2 usage or config, 3 infrastructure (a board, tool or link failed, the run
was interrupted, or nothing was tested at all).
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterable
from types import FrameType
from typing import Any

import pytest

from harness.errors import EXIT_FAILED, EXIT_INFRASTRUCTURE, EXIT_PASS, EXIT_USAGE

__all__ = ["EXIT_FAILED", "EXIT_INFRASTRUCTURE", "EXIT_PASS", "EXIT_USAGE", "RunOutcome"]

INFRASTRUCTURE = "infrastructure"
# C0 and C1 control characters (escape sequences among them), DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

Pair = tuple[str, str]


def printable(text: object) -> str:
    """Text safe for a terminal: control characters and escape sequences shown, not obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(text))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def catch_sigterm() -> Any:
    """SIGTERM (a CI runner cancelling the job) ends the run like Ctrl-C: pytest
    finishes the session, the results say incomplete, no manifest is written."""
    try:
        return signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: leave signals alone
        return None


class RunOutcome:
    """Collects what each report says, then concludes at the session's end."""

    def __init__(self, boards: Iterable[str], models: Iterable[str], expected: list[Pair]):
        self.boards = set(boards)
        self.models = set(models)
        self.expected = expected
        self.skipped: dict[Pair, str] = {}
        self.failed_tests: list[str] = []  # the user's own tests, and farm checks that missed
        self.infrastructure_errors: list[str] = []
        self.interrupted: str | None = None

    def pair_of(self, nodeid: str) -> Pair | None:
        parts = nodeid.split("::")
        if len(parts) == 4 and parts[1] in self.boards and parts[2] in self.models:
            return parts[1], parts[2]
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        pair = self.pair_of(report.nodeid)
        if report.skipped and pair is not None:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            self.skipped.setdefault(pair, reason.removeprefix("Skipped: "))
        if report.failed:
            error_class = dict(report.user_properties).get("error_class")
            target = self.infrastructure_errors if error_class == INFRASTRUCTURE else self.failed_tests
            target.append(report.nodeid)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # Ctrl-C raises a bare KeyboardInterrupt (empty text); SIGTERM's carries the signal's name
        self.interrupted = f"interrupted ({str(excinfo.value) or 'SIGINT'})"

    def status(self, results: dict[str, Any], exitstatus: int) -> dict[str, Any]:
        """results.json's status fields: complete | incomplete, why, what was not judged."""
        if exitstatus == pytest.ExitCode.INTERRUPTED and self.interrupted is None:
            self.interrupted = "interrupted"
        recorded = {(r["board"], r["model"]) for r in results.get("records") or []}
        not_run = [
            {"board": b, "model": m, "reason": self._why_not(b, m)}
            for b, m in self.expected
            if (b, m) not in recorded
        ]
        reasons = [self.interrupted] if self.interrupted else []
        if not self.expected:
            reasons.append("no board × model was selected")
        if not_run:
            reasons.append(f"{len(not_run)} of {len(self.expected)} board × model pairs were not judged")
        status = "incomplete" if reasons else "complete"
        return {
            "status": status,
            "reason": "; ".join(reasons) if reasons else None,
            "not_run": not_run,
            "tests": {
                "failed": len(self.failed_tests),
                "infrastructure_errors": len(self.infrastructure_errors),
            },
        }

    def _why_not(self, board: str, model: str) -> str:
        if (board, model) in self.skipped:
            return self.skipped[(board, model)]
        return "interrupted before it ran" if self.interrupted else "not run"

    def exit_code(self, results: dict[str, Any], exitstatus: int) -> int:
        """The contract's exit code for this run (pytest's own usage errors pass through)."""
        if exitstatus == pytest.ExitCode.USAGE_ERROR:
            return int(exitstatus)
        judged = [r for r in results.get("records") or [] if r.get("verdict") in ("pass", "fail")]
        if self.failed_tests:
            return EXIT_FAILED
        if self.interrupted or self.infrastructure_errors or not judged:
            return EXIT_INFRASTRUCTURE
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            return int(exitstatus)
        return EXIT_PASS

    def nothing_tested(self, results: dict[str, Any]) -> str | None:
        """The message for a run that judged no board × model, with the reasons."""
        if any(r.get("verdict") in ("pass", "fail") for r in results.get("records") or []):
            return None
        lines = ["tinyfarm: nothing was tested: no board × model was judged."]
        reasons = sorted(set(self.skipped.values()))
        errors = sorted({str(r.get("error")) for r in results.get("records") or [] if r.get("error")})
        lines += [f"  skipped: {printable(reason)}" for reason in reasons]
        lines += [f"  error: {printable(error)}" for error in errors]
        if self.interrupted:
            lines.append(f"  {self.interrupted}")
        if not self.expected:
            lines.append("  no board × model matched --farm-board / --farm-model (and --farm-hardware)")
        return "\n".join(lines)
