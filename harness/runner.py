"""Run one model on one board: flash, handshake, stream samples, read stats.

This is the only place that drives a board through a whole run; the pytest
plugin and the CLI both call it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.backends import BACKENDS, BoardBackend
from harness.config import BoardConfig
from harness.errors import DeviceError, FlashError
from harness.firmware import BuildSpec, FirmwareImage, build
from harness.protocol import messages as m
from harness.session import AgentSession, Inference, Timeouts

Progress = Callable[[int, int], None]
SHA_MISMATCH = 7  # protocol ERROR code: the slot holds another model


@dataclass
class Measurement:
    """What the board returned, untouched: raw outputs and counter ticks."""

    hello: m.Hello
    model_info: m.ModelInfo
    outputs: npt.NDArray[Any]
    cycles: list[float]
    latency_kind: str
    cycles_per_tick: float
    profile: tuple[m.OpProfile, ...]
    stats: m.Stats
    firmware: FirmwareImage
    identity: dict[str, str]
    seconds: float
    link_bytes: dict[str, int] = field(default_factory=dict)


def open_backend(board: BoardConfig, workdir: Path) -> BoardBackend:
    return BACKENDS.get(board.backend)(board, workdir / board.name)


def build_firmware(backend: BoardBackend, build_root: Path) -> FirmwareImage:
    board = backend.board
    spec = BuildSpec(backend.target, board.name, backend.clock_hz, board.flash_bytes, board.ram_bytes)
    return build(spec, build_root)


class BoardRun:
    """A booted board with a model loaded and a live session, as a context manager."""

    def __init__(self, backend: BoardBackend, firmware: FirmwareImage, model: bytes):
        self.backend = backend
        self.firmware = firmware
        self.model = model
        try:
            self._start(Timeouts().scaled(backend.board.timeout_factor))
        except BaseException:
            # never leave an emulator, a process or a port behind
            if getattr(self, "link", None) is not None:
                self.link.close()
            backend.close()
            raise

    def _start(self, timeouts: Timeouts) -> None:
        backend, firmware = self.backend, self.firmware
        backend.flash(firmware, self.model)
        self.link = backend.open_link()
        backend.link_opened()
        self.session = AgentSession(self.link, backend.board.name, timeouts)
        self.hello = self.session.hello()
        if firmware.build_id and self.hello.build_id.hex() != firmware.build_id:
            raise FlashError(
                f"board {backend.board.name} runs firmware {self.hello.build_id.hex()[:12]}, "
                f"expected {firmware.build_id[:12]}"
            )
        self.model_info = self._load_model()

    def _load_model(self) -> m.ModelInfo:
        """Verify the model the backend flashed into the slot; send it over the link
        when the slot holds something else and the agent can take it that way."""
        can_load = self.hello.has(m.Capability.LOAD_MODEL)
        if self.hello.has(m.Capability.SLOT_VERIFY):
            try:
                return self.session.verify_slot(self.model)
            except DeviceError as exc:
                if exc.code != SHA_MISMATCH or not can_load:
                    raise
        return self.session.load_model(self.model)

    def infer(self, tensor: npt.NDArray[Any], profile: bool = False) -> Inference:
        return self.session.infer(np.ascontiguousarray(tensor).tobytes(), profile)

    def close(self) -> None:
        self.link.close()

    def __enter__(self) -> BoardRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def measure(
    backend: BoardBackend,
    firmware: FirmwareImage,
    model: bytes,
    inputs: npt.NDArray[Any],
    progress: Progress | None = None,
) -> Measurement:
    started = time.monotonic()
    try:
        with BoardRun(backend, firmware, model) as run:
            latency = backend.latency_model(run.hello.counter_hz)
            out_desc = run.model_info.output
            outputs, cycles = [], []
            profile: tuple[m.OpProfile, ...] = ()
            for index, sample in enumerate(inputs):
                result = run.infer(sample, profile=index == 0 and run.hello.has(m.Capability.PROFILE))
                outputs.append(np.frombuffer(result.output, dtype=out_desc.dtype))
                cycles.append(latency.cycles(result.ticks))
                profile = profile or result.profile
                if progress:
                    progress(index + 1, len(inputs))
            stats = run.session.stats()
            link_bytes = {"written": run.link.bytes_written, "read": run.link.bytes_read}
            return Measurement(
                run.hello,
                run.model_info,
                np.stack(outputs) if outputs else np.empty((0,)),
                cycles,
                latency.kind,
                latency.cycles_per_tick,
                profile,
                stats,
                firmware,
                backend.identity(),
                time.monotonic() - started,
                link_bytes,
            )
    finally:
        backend.close()
