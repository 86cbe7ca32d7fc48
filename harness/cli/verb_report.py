"""`farm report reports/results.json`: rebuild report.html from a run's results (no farm.toml needed)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.cli.common import console
from harness.config.model import FarmConfig
from harness.gate.finish import rebuild_report


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", nargs="?", default="reports/results.json", help="a results.json")
    p.add_argument("--out", metavar="FILE", help="where to write (default: report.html beside results.json)")
    p.set_defaults(func=cmd_report, needs_farm=False)


def cmd_report(config: FarmConfig | None, args: argparse.Namespace) -> int:
    del config
    path = Path(args.results)
    try:
        target = rebuild_report(path, Path(args.out) if args.out else None)
    except FileNotFoundError:
        console.print(f"[red]error:[/] no such file: {path}")
        return 2
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        console.print(f"[red]error:[/] {path} is not a tinyfarm results.json: {exc}")
        return 2
    console.print(f"wrote {target}")
    return 0
