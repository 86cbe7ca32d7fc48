"""`farm list`: configured boards, present or absent, with their identity."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from harness.cli.common import out
from harness.config import FarmConfig
from harness.runner import open_backend


def register(verbs: Any) -> None:
    p = verbs.add_parser("list", help="configured boards, present or absent, with identity")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)


def cmd_list(config: FarmConfig, args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for board in config.boards:
        backend = open_backend(board, config.reports / "work")
        presence = backend.presence()
        rows.append(
            {
                "name": board.name,
                "backend": board.backend,
                "emulated": backend.emulated,
                "status": "present" if presence.present else "absent",
                "reason": presence.reason,
                "target": backend.target,
                "clock_hz": backend.clock_hz,
                "flash_bytes": board.flash_bytes,
                "ram_bytes": board.ram_bytes,
                "identity": backend.identity(),
                "equivalent_of": board.equivalent_of,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title=f"boards in {config.path.name}")
    for column in ("name", "backend", "status", "target", "clock", "flash", "RAM", "identity"):
        table.add_column(column)
    for row in rows:
        identity = ", ".join(f"{k}={v}" for k, v in row["identity"].items() if v)
        table.add_row(
            row["name"],
            row["backend"],
            row["status"] + (f" ({row['reason']})" if row["reason"] else ""),
            row["target"],
            f"{row['clock_hz'] / 1e6:g} MHz",
            str(row["flash_bytes"] or "-"),
            str(row["ram_bytes"] or "-"),
            identity,
        )
    out.print(table)
    return 0
