"""`farm flash`: put the agent (and a model) on one board, then check it answers."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from harness.backends.physical import PhysicalBackend
from harness.boards.firmware import default_build_root
from harness.boards.lease import LEASE_WAIT_S, BoardLease, lock_dir
from harness.cli.common import console
from harness.config.model import FarmConfig
from harness.errors import FlashError
from harness.link.session import AgentSession
from harness.models.prepare import config_ops
from harness.run.runner import BoardRun, build_firmware, open_backend


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("board")
    p.add_argument("--model", help="a model name from the farm file, or a .tflite path, for the slot")
    p.add_argument("--force", action="store_true", help="flash even when the board runs this build")
    p.set_defaults(func=cmd_flash)


def _model(config: FarmConfig, name: str | None) -> bytes | None:
    if name is None:
        return None
    path = Path(name)
    if path.suffix == ".tflite" and path.is_file():
        return path.read_bytes()
    return config.tflite(name).read_bytes()


def cmd_flash(config: FarmConfig, args: argparse.Namespace) -> int:
    board = config.board(args.board)
    if args.force:
        board = replace(board, options={**board.options, "reflash": True})
    model = _model(config, args.model)
    lease = BoardLease(config.board(args.board), lock_dir(config.state)).acquire(LEASE_WAIT_S)
    backend = open_backend(board, config.state / "work")
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(f"{board.name}: build", total=1.0)
            firmware = build_firmware(backend, default_build_root(), config_ops(config))
            if isinstance(backend, PhysicalBackend):
                backend.progress = lambda stage, f: bar.update(
                    task, description=f"{board.name}: {stage}", completed=f
                )
            bar.update(task, description=f"{board.name}: flash", completed=0.0)
            if model is not None:
                with BoardRun(backend, firmware, model) as run:
                    hello, verified = run.hello, run.model_info is not None
            else:
                backend.flash(firmware, None)
                with backend.open_link() as link:
                    backend.link_opened()
                    hello, verified = AgentSession(link, board.name).hello(), False
                if firmware.build_id and hello.build_id.hex() != firmware.build_id:
                    raise FlashError(
                        f"board {board.name} runs firmware {hello.build_id.hex()[:12]} after flashing, "
                        f"expected {firmware.build_id[:12]}"
                    )
            bar.update(task, completed=1.0)
    finally:
        backend.close()
        lease.release()
    skipped = isinstance(backend, PhysicalBackend) and backend.skipped_flash
    what = "already ran this build; not flashed again" if skipped else "flashed"
    console.print(
        f"{board.name}: {what}. Agent {hello.port} build {hello.build_id.hex()[:12] or '-'} "
        f"at {hello.clock_hz / 1e6:g} MHz" + (", model verified in its slot" if verified else "")
    )
    if backend.emulated:
        console.print("[dim]emulated board: it was started, checked and stopped[/]")
    return 0
