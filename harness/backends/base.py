"""What every board backend does: describe, start or flash, open the link, clean up.

A BoardConfig describes a board; a backend acts on it (labgrid's split).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from harness.config.model import BoardConfig
from harness.link.links import Link, SerialLink

if TYPE_CHECKING:
    from harness.boards.firmware import FirmwareImage
    from harness.config.keys import Key


@dataclass(frozen=True)
class LatencyModel:
    """How the agent's counter ticks become cycles at the board's clock.

    kind says what the figure is: "measured" (a cycle counter on silicon),
    "instruction-estimate" (an emulator's instruction count: no pipeline,
    wait states or caches), or "host-wallclock" (the host build's clock).
    """

    kind: str
    cycles_per_tick: float

    def cycles(self, ticks: int) -> float:
        return ticks * self.cycles_per_tick


@dataclass(frozen=True)
class Presence:
    present: bool
    reason: str = ""


class BoardBackend(ABC):
    # Keys this backend accepts in a [[boards]] table beyond the common ones.
    config_keys: ClassVar[dict[str, Key]] = {}
    emulated: ClassVar[bool] = False
    default_target: ClassVar[str | None] = None
    default_clock_hz: ClassVar[int] = 25_000_000
    # False for a backend that talks to the board's own firmware instead of the
    # agent tinyfarm builds: the load-time firmware checks then do not apply.
    runs_agent: ClassVar[bool] = True
    flashes: ClassVar[bool] = True  # False: tinyfarm only talks to the board (backend "serial")

    def __init__(self, board: BoardConfig, workdir: Path):
        self.board = board
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def target(self) -> str:
        """The firmware port this board runs."""
        target = self.board.target or self.default_target
        if target is None:
            raise ValueError(f"board {self.board.name}: set target (the firmware port)")
        return target

    @property
    def clock_hz(self) -> int:
        return self.board.clock_hz or self.default_clock_hz

    @property
    def link_bytes_per_s(self) -> float:
        """Payload rate to expect on the link: 8N1 carries baud / 10 bytes a second."""
        return self.board.baud / 10

    def presence(self) -> Presence:
        return Presence(True)

    def identity(self) -> dict[str, str]:
        return {"backend": self.board.backend}

    @abstractmethod
    def flash(self, firmware: FirmwareImage, model: bytes | None) -> None:
        """Put the agent firmware and the model (into its slot) on the board and boot it."""

    @abstractmethod
    def link_url(self) -> str:
        """A pyserial URL for the agent's UART, valid after flash()."""

    def open_link(self) -> Link:
        if self.emulated and self.board.url:
            # an emulated board reached the remote way: ser2net in front of its pty
            from harness.link.ser2net import Ser2netLink

            return Ser2netLink(self.link_url(), self.board.url, self.board.baud, self.workdir / "ser2net")
        return SerialLink(self.link_url(), self.board.baud)

    def link_opened(self) -> None:
        """Called once the link is open (an emulator may be waiting for it to boot)."""

    @abstractmethod
    def latency_model(self, counter_hz: int) -> LatencyModel: ...

    def lap_model(self) -> LatencyModel:
        """How an EEMBC device's m-lap-us microseconds become cycles at the board's clock."""
        kind = self.latency_model(1_000_000).kind
        return LatencyModel(kind, self.clock_hz / 1e6)

    def reset(self) -> None:
        """Hard reset, where the backend can do one."""

    def close(self) -> None:
        """Stop what the backend started; safe to call twice."""

    def __enter__(self) -> BoardBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
