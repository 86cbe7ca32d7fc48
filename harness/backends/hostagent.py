"""The `fake` backend: the agent's host build, served on a real pty.

It is the same C core as the firmware (protocol, loader, engine) compiled
for Linux, so the whole host path (link, session, runner, plugin) runs
against a genuine agent in tests, in a fraction of QEMU's start-up time.
Its latency is the host's wall clock and is labelled so.
"""

from __future__ import annotations

import subprocess
from typing import ClassVar

from harness.backends.base import BoardBackend, LatencyModel
from harness.boards.firmware import FirmwareImage
from harness.config.keys import Key
from harness.errors import BoardUnavailable, FlashError
from harness.procs import die_with_harness, stop_process_group


class HostAgentBackend(BoardBackend):
    emulated = True
    default_target = "host"
    default_clock_hz = 1_000_000_000
    config_keys: ClassVar[dict[str, Key]] = {
        "arena_bytes": Key((int,), "an integer > 0", lambda v: v > 0),
    }

    def __init__(self, board, workdir):  # type: ignore[no-untyped-def]
        super().__init__(board, workdir)
        self._process: subprocess.Popen[str] | None = None
        self._pty: str | None = None

    @property
    def link_bytes_per_s(self) -> float:
        return 1_000_000.0  # a pty on the same host

    def identity(self) -> dict[str, str]:
        return {"backend": "fake", "pty": self._pty or ""}

    def flash(self, firmware: FirmwareImage, model: bytes | None) -> None:
        self.close()
        if firmware.host_binary is None:
            raise FlashError(
                f'board {self.board.name}: the fake backend runs the host build (target = "host")'
            )
        cmd = [str(firmware.host_binary), "--board", self.board.name, "--clock-hz", str(self.clock_hz)]
        if model is not None:
            slot = self.workdir / "model-slot.bin"
            slot.write_bytes(model)
            cmd += ["--slot", str(slot)]
        if "arena_bytes" in self.board.options:
            cmd += ["--arena-size", str(self.board.options["arena_bytes"])]
        self._process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            preexec_fn=die_with_harness,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("PTY "):
            self.close()
            raise FlashError(f"board {self.board.name}: host agent did not start (said {line!r})")
        self._pty = line[4:]

    def link_url(self) -> str:
        if self._pty is None:
            raise BoardUnavailable(f"board {self.board.name}: host agent is not running")
        return self._pty

    def latency_model(self, counter_hz: int) -> LatencyModel:
        return LatencyModel("host-wallclock", self.clock_hz / counter_hz)

    def close(self) -> None:
        process, self._process = self._process, None
        self._pty = None
        stop_process_group(process)
