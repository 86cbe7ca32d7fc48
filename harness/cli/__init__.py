"""The `farm` command: one board by hand, sharing the pytest path's code.

Each verb is a module `harness.cli.verb_<name>` with register(parser) and the
function it sets as `func`; adding a verb is a new module and one line in
VERBS. Only the verb that runs is imported, so `farm --version` and
`farm --help` start without numpy, the reference interpreter or the backends.

Exit codes, the same as `pytest --farm`'s (docs/by-hand.md): 0 pass, 1 a budget
or test failed, 2 usage or config, 3 infrastructure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

from harness.cli.exits import UsageError, report_error

# verb → one line of help; the module harness.cli.verb_<verb> does the rest.
VERBS: dict[str, str] = {
    "list": "configured boards, present or absent, with identity",
    "discover": "board entries for what is attached (TOML on stdout)",
    "flash": "flash the agent (and a model) onto one board",
    "infer": "inferences on one board, outputs saved as the device returned them",
    "bench": "latency distribution and throughput of a model on one board",
    "console": "interactive console on one board (Ctrl-] q quits)",
    "run": "run the whole farm without pytest",
    "report": "rebuild report.html from a results.json",
    "check": "a model's operators, whether the engine runs each, and its arena (no board)",
}
FARM_ENV = "TINYFARM_FARM"
FARM_HELP = f"farm file (default: ${FARM_ENV}, else ./farm.toml)"
EPILOG = (
    f"The farm file: --farm (before or after the verb), else ${FARM_ENV}, else ./farm.toml. "
    "Exit codes: 0 pass, 1 a budget or test failed, 2 usage or config error, "
    "3 infrastructure (a board, tool or link failed, or the run was interrupted)."
)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so `--json` can report the error as JSON."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: error: {message}", self.format_usage())


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("tinyfarm")
    except PackageNotFoundError:  # a source tree that is not installed
        from harness import __version__

        return __version__


def verb_of(argv: list[str]) -> str | None:
    """The verb named on the command line, looked for the way argparse will find it."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--farm":
            next(tokens, None)
        elif not token.startswith("-"):
            return token if token in VERBS else None
    return None


def parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The command line; only `verb`'s module is imported (all of them when verb is "*")."""
    top = _Parser(prog="farm", description="tinyfarm: TinyML models on boards", epilog=EPILOG)
    top.add_argument("--version", action="version", version=f"farm (tinyfarm) {version()}")
    top.add_argument("--farm", default=argparse.SUPPRESS, help=FARM_HELP)
    verbs = top.add_subparsers(dest="verb", required=True, metavar="VERB")
    for name, help_text in VERBS.items():
        p = verbs.add_parser(name, help=help_text, description=help_text)
        if verb in (name, "*"):
            p.add_argument("--farm", default=argparse.SUPPRESS, help=FARM_HELP)
            importlib.import_module(f"harness.cli.verb_{name}").register(p)
    return top


def farm_path(args: argparse.Namespace) -> str:
    """--farm after the verb, else before it, else $TINYFARM_FARM, else ./farm.toml."""
    given: str | None = getattr(args, "farm", None)
    return given or os.environ.get(FARM_ENV) or "farm.toml"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    as_json = "--json" in argv
    try:
        args = parser(verb_of(argv)).parse_args(argv)
        args.farm = farm_path(args)
        return run(args)
    except SystemExit:
        raise
    except BaseException as exc:  # reported with its exit code; a bug still shows its traceback
        return report_error(exc, as_json)


def run(args: argparse.Namespace) -> int:
    from harness.config import load as configload

    # A verb that can run without a farm file (discover, report) sets needs_farm=False.
    config = configload.load(args.farm) if getattr(args, "needs_farm", True) else None
    code: int = args.func(config, args)
    return code


if __name__ == "__main__":
    sys.exit(main())
