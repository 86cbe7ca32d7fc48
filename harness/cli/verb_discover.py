"""`farm discover`: farm.toml board entries for the probes, serial ports and ESP chips attached."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.boards.discovery import detect_esp, list_probes, name_boards, scan, to_toml
from harness.cli.common import console
from harness.config import load as configload
from harness.config.model import BoardConfig, FarmConfig
from harness.errors import ConfigError


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("--write", metavar="FILE", help="append the entries to FILE instead of printing them")
    p.add_argument("--no-esp", action="store_true", help="do not ask esptool (it resets ESP boards)")
    p.add_argument("--no-probes", action="store_true", help="do not list debug probes")
    p.set_defaults(func=cmd_discover, needs_farm=False)


def _configured(path: Path) -> list[BoardConfig]:
    """Boards the farm file (or the file written to) already has, when it loads."""
    if not path.is_file():
        return []
    try:
        return list(configload.load(path).boards)
    except ConfigError as exc:
        console.print(f"[yellow]note:[/] {path} does not load ({exc.problem}); names may clash")
        return []


def cmd_discover(config: FarmConfig | None, args: argparse.Namespace) -> int:
    del config
    target = Path(args.write) if args.write else Path(args.farm)
    configured = _configured(target) + (_configured(Path(args.farm)) if args.write else [])
    result = scan(
        probes=None if args.no_probes else list_probes,
        esp=None if args.no_esp else detect_esp,
        configured=configured,
    )
    name_boards(result.found, (b.name for b in configured))
    for note in result.notes:
        console.print(f"[dim]{note}[/]")
    text = to_toml(result.found)
    active = sum(e.active for e in result.found)
    if args.write and result.found:
        with Path(args.write).open("a") as handle:
            handle.write("\n" + text)
        console.print(
            f"appended {len(result.found)} board entr{'y' if len(result.found) == 1 else 'ies'} "
            f"({active} ready, {len(result.found) - active} commented out) to {args.write}"
        )
    else:
        print(text, end="")
        if not result.found:
            console.print("nothing attached that tinyfarm can use; nothing written")
    return 0
