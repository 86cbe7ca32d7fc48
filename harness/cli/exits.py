"""How a verb's error becomes a message and an exit code (the plugin's codes).

ConfigError and command-line mistakes are 2; a model the board cannot take
(a model-class error) is 1, as a missed budget; a board, tool or link that
failed, an interruption, or anything unexpected is 3. Under `--json` the error
is one JSON object on stdout, {"error": {"class", "message", "exit_code"}};
otherwise a line on stderr.
"""

from __future__ import annotations

import json
import sys
import traceback

from harness.errors import (
    EXIT_FAILED,
    EXIT_INFRASTRUCTURE,
    EXIT_USAGE,
    INFRASTRUCTURE,
    MODEL,
    ConfigError,
    FarmError,
)


class UsageError(Exception):
    """A command line that argparse refused; usage is the parser's usage line."""

    def __init__(self, message: str, usage: str = ""):
        super().__init__(message)
        self.usage = usage


def classify(exc: BaseException) -> tuple[str, int]:
    """(error class, exit code) for an error that ended a verb."""
    if isinstance(exc, UsageError):
        return "usage", EXIT_USAGE
    if isinstance(exc, ConfigError):
        return "config", EXIT_USAGE
    if isinstance(exc, KeyError):  # a board or model the farm file does not have
        return "config", EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_INFRASTRUCTURE
    if isinstance(exc, FarmError):
        return (MODEL, EXIT_FAILED) if exc.error_class == MODEL else (INFRASTRUCTURE, EXIT_INFRASTRUCTURE)
    return "internal", EXIT_INFRASTRUCTURE


def message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if classify(exc)[0] == "internal":
        return f"{type(exc).__name__}: {exc}"
    return str(exc)


def report_error(exc: BaseException, as_json: bool) -> int:
    """Say what went wrong (JSON on stdout under --json) and return the exit code."""
    kind, code = classify(exc)
    text = message(exc)
    if kind == "internal":
        traceback.print_exception(exc, file=sys.stderr)
    if as_json:
        print(json.dumps({"error": {"class": kind, "message": text, "exit_code": code}}))
    elif isinstance(exc, UsageError):
        print(f"{exc.usage}{text}", file=sys.stderr)
    else:
        label = "\x1b[31merror:\x1b[0m" if sys.stderr.isatty() else "error:"
        print(f"{label} {text}", file=sys.stderr)
    return code
