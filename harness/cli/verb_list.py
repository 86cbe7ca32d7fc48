"""`farm list`: configured boards, present or absent, with their identity."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from harness.backends import BoardBackend
from harness.boards import lease
from harness.cli.common import out
from harness.config.model import FarmConfig
from harness.run.runner import open_backend


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)


def _target(backend: BoardBackend) -> str | None:
    try:
        return backend.target
    except ValueError:  # a physical board whose firmware port is not set yet
        return None


def status(backend: BoardBackend, state_dir: Path | None = None) -> tuple[str, str]:
    """present | absent | busy, and why. Physical boards are matched by probe and USB
    identity; a board leased by a run or a `farm` verb, or a present one whose port
    another process holds, is busy."""
    holder = lease.holder(backend.board.name, state_dir) if state_dir is not None else None
    if holder is not None:
        return "busy", f"leased by {lease.describe(holder)}"
    presence = backend.presence()
    if not presence.present:
        return "absent", presence.reason
    busy = getattr(backend, "busy", None)
    held = busy() if callable(busy) else ""
    return ("busy", str(held)) if held else ("present", presence.reason)


def cmd_list(config: FarmConfig, args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for board in config.boards:
        backend = open_backend(board, config.state / "work")
        state, reason = status(backend, config.state)
        rows.append(
            {
                "name": board.name,
                "backend": board.backend,
                "emulated": backend.emulated,
                "status": state,
                "reason": reason,
                "target": _target(backend),
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
            row["target"] or "-",
            f"{row['clock_hz'] / 1e6:g} MHz",
            str(row["flash_bytes"] or "-"),
            str(row["ram_bytes"] or "-"),
            identity,
        )
    out.print(table)
    return 0
