"""`farm console`: the board's output live, commands typed to it, escape keys to reset and reflash."""

from __future__ import annotations

import argparse
import sys

from harness.boards.firmware import default_build_root
from harness.boards.lease import leased
from harness.cli.common import console
from harness.cli.interactive import Console, raw_terminal
from harness.cli.verb_flash import _model
from harness.config.model import FarmConfig
from harness.models.prepare import config_ops
from harness.run.runner import build_firmware, open_backend


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("board")
    p.add_argument("--model", help="a model name from the farm file, or a .tflite path, to load")
    p.set_defaults(func=cmd_console)


def cmd_console(config: FarmConfig, args: argparse.Namespace) -> int:
    board = config.board(args.board)
    model = _model(config, args.model)
    with leased(board, config.state):
        backend = open_backend(board, config.state / "work")
        try:
            console.print(f"{board.name}: building and starting the agent ...")
            firmware = build_firmware(backend, default_build_root(), config_ops(config))
            session = Console(backend, firmware, model)
            try:
                session.start()
                with raw_terminal(sys.stdin.fileno()):
                    session.loop()
            finally:
                session.close()
        finally:
            backend.close()
    sys.stdout.write("\r\n")
    console.print(f"{board.name}: console closed")
    return 0
