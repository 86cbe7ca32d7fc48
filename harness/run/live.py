"""A board × model brought up on demand for a person: `item.agent` under `--pdb`.

The farm's own run has already stopped the board when a check fails, so the
live session flashes it again with the same firmware and model and
handshakes (the same BoardRun the farm and the CLI use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.config.model import BoardConfig
from harness.link.session import AgentSession
from harness.run.runner import BoardRun

if TYPE_CHECKING:
    from harness.run.farm import Farm


class LiveRun:
    def __init__(self, farm: Farm, board: BoardConfig, model: str):
        self.backend = farm.backend(board)
        try:
            self.run = BoardRun(self.backend, farm.firmware(self.backend), farm.models[model].data)
        except BaseException:
            self.backend.close()
            raise

    @property
    def session(self) -> AgentSession:
        return self.run.session

    def close(self) -> None:
        try:
            self.run.close()
        finally:
            self.backend.close()
