"""The `farm` command: one board by hand, sharing the pytest path's code.

Each verb is a module `harness.cli.verb_<name>` with register(subparsers);
adding a verb is a new module and one name in VERBS.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from harness.cli.common import console
from harness.config import load as configload
from harness.errors import FarmError

VERBS = ["list", "discover", "flash", "infer", "bench", "console", "run", "report", "check"]


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="farm", description="tinyfarm: TinyML models on boards")
    top.add_argument("--farm", default="farm.toml", help="farm file (default ./farm.toml)")
    verbs = top.add_subparsers(dest="verb", required=True)
    for verb in VERBS:
        importlib.import_module(f"harness.cli.verb_{verb}").register(verbs)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        # A verb that can run without a farm file (discover) sets needs_farm=False.
        config = configload.load(args.farm) if getattr(args, "needs_farm", True) else None
        code: int = args.func(config, args)
        return code
    except (FarmError, KeyError) as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
