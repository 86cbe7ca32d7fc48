"""The `serial` backend: a device already running its firmware, reached by port.

tinyfarm never flashes it: it only talks to it (the MLPerf Tiny protocol, or
the agent's). The port is a device path (`port = "/dev/ttyACM0"`, a pty), a
USB identity (`serial = {vid, pid, serial_number}`) or a `url`
(socket://, rfc2217://). Present means the port exists now.
"""

from __future__ import annotations

import os
from typing import ClassVar

from harness.backends.base import BoardBackend, LatencyModel, Presence
from harness.boards.firmware import FirmwareImage
from harness.boards.serialports import is_set, resolve
from harness.config.keys import Key
from harness.errors import BoardUnavailable, FarmError


class SerialBackend(BoardBackend):
    flashes: ClassVar[bool] = False
    runs_agent: ClassVar[bool] = False  # the board runs its own firmware
    config_keys: ClassVar[dict[str, Key]] = {
        "port": Key((str,), "a serial device path such as /dev/ttyACM0 or /dev/pts/3", bool),
    }

    @property
    def target(self) -> str:
        return self.board.target or "user"

    def presence(self) -> Presence:
        try:
            where = self.link_url()
        except BoardUnavailable as exc:
            return Presence(False, str(exc))
        if "://" not in where and not os.path.exists(where):
            return Presence(False, f"{where} does not exist")
        return Presence(True)

    def identity(self) -> dict[str, str]:
        return {"backend": "serial", "serial_port": self._where()}

    def _where(self) -> str:
        try:
            return self.link_url()
        except FarmError:
            return ""

    def link_url(self) -> str:
        port = self.board.options.get("port")
        if port:
            return str(port)
        if self.board.url:
            return self.board.url
        if self.board.serial is not None and is_set(self.board.serial):
            return resolve(self.board.name, self.board.serial).device
        raise BoardUnavailable(f"board {self.board.name}: set port, url or serial (a USB identity)")

    def flash(self, firmware: FirmwareImage, model: bytes | None) -> None:
        """Nothing to flash: the device runs its own firmware already."""

    def latency_model(self, counter_hz: int) -> LatencyModel:
        return LatencyModel("measured", self.clock_hz / counter_hz)
