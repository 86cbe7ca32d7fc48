"""`farm run`: the whole farm without pytest."""

from __future__ import annotations

import argparse
from typing import Any

from harness.cli.common import console
from harness.config.model import FarmConfig
from harness.gate.finish import write_reports
from harness.run.farm import Farm


def register(verbs: Any) -> None:
    p = verbs.add_parser("run", help="run the whole farm without pytest")
    p.add_argument("--smoke", action="store_true")
    p.set_defaults(func=cmd_run)


def cmd_run(config: FarmConfig, args: argparse.Namespace) -> int:
    """Every board × model without pytest (the plugin is the usual way)."""
    farm = Farm(config, smoke=args.smoke)
    failed = 0
    for board in config.boards:
        for model in config.models:
            record = farm.run(board.name, model.name)
            failed += record.verdict != "pass"
            console.print(f"{board.name}::{model.name}: {record.verdict} {record.error or ''}")
    farm.status = {"status": "complete", "reason": None, "not_run": []}
    farm.write_results()
    write_reports(farm.results(), farm.reports)
    console.print(f"reports: {farm.reports}")
    return 1 if failed else 0
