"""Run one model on one board: flash, handshake, stream samples, read stats.

This is the only place that drives a board through a whole run; the pytest
plugin and the CLI both call it. Infrastructure failures (timeouts, broken
frames, a board that reset) are retried with escalating recovery; model
failures (the agent rejects the model) are raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness import fit
from harness.backends import BACKENDS, BoardBackend
from harness.config import BoardConfig
from harness.errors import MODEL, AgentTimeout, DeviceError, FlashError, ProtocolError
from harness.firmware import BuildSpec, FirmwareImage, build
from harness.journal import SampleJournal
from harness.links import Link
from harness.protocol import messages as m
from harness.recovery import RecoveringRun, RetryPolicy
from harness.session import AgentSession, Inference
from harness.timeouts import Timeouts

Progress = Callable[[int, int], None]
LinkWrapper = Callable[[Link], Link]
SHA_MISMATCH = 7  # protocol ERROR code: the slot holds another model
HANDSHAKE_ATTEMPTS = 4  # a noisy link may spoil a HELLO or two


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
    retries: int = 0
    recoveries: list[str] = field(default_factory=list)
    resumed_samples: int = 0


def open_backend(board: BoardConfig, workdir: Path) -> BoardBackend:
    if board.labgrid_place and not board.url:
        # the place's serial port, valid while the place is acquired (harness.lease)
        from harness.labgrid import serial_url

        board = replace(board, url=serial_url(board.labgrid_place))
    return BACKENDS.get(board.backend)(board, workdir / board.name)


def build_firmware(backend: BoardBackend, build_root: Path) -> FirmwareImage:
    board = backend.board
    spec = BuildSpec(backend.target, board.name, backend.clock_hz, board.flash_bytes, board.ram_bytes)
    return build(spec, build_root)


class BoardRun:
    """A booted board with a model loaded and a live session, as a context manager."""

    def __init__(
        self, backend: BoardBackend, firmware: FirmwareImage, model: bytes, wrap: LinkWrapper | None = None
    ):
        self.backend = backend
        self.firmware = firmware
        self.model = model
        self.wrap = wrap
        timeouts = Timeouts(link_bytes_per_s=backend.link_bytes_per_s, factor=backend.board.timeout_factor)
        try:
            self._start(timeouts.for_model(len(model)))
        except BaseException:
            # never leave an emulator, a process or a port behind
            if getattr(self, "link", None) is not None:
                self.link.close()
            backend.close()
            raise

    def _start(self, timeouts: Timeouts) -> None:
        backend, firmware = self.backend, self.firmware
        fit.check_flash(backend.board, firmware, len(self.model))
        backend.flash(firmware, self.model)
        link = backend.open_link()
        self.link = self.wrap(link) if self.wrap else link
        backend.link_opened()
        self.session = AgentSession(self.link, backend.board.name, timeouts)
        last: Exception | None = None
        for attempt in range(HANDSHAKE_ATTEMPTS):
            try:
                self._handshake(timeouts.boot() if attempt == 0 else None)
                return
            except DeviceError as exc:
                if exc.error_class == MODEL:
                    restated = fit.explain(exc, backend.board, firmware, len(self.model))
                    raise (restated or exc) from exc
                last = exc
            except (AgentTimeout, ProtocolError) as exc:
                last = exc
            self.link.drain()
        name = backend.board.name
        raise AgentTimeout(f"board {name}: no clean handshake in {HANDSHAKE_ATTEMPTS} tries: {last}")

    def _handshake(self, timeout: float | None) -> None:
        """HELLO (from a fresh decoder), then the model verified or loaded."""
        self.session.decoder.reset()
        self.hello = self.session.hello(timeout=timeout)
        if self.firmware.build_id and self.hello.build_id.hex() != self.firmware.build_id:
            raise FlashError(
                f"board {self.backend.board.name} runs firmware {self.hello.build_id.hex()[:12]}, "
                f"expected {self.firmware.build_id[:12]}"
            )
        self.model_info = self.load_model()

    def load_model(self) -> m.ModelInfo:
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
    journal: SampleJournal | None = None,
    policy: RetryPolicy | None = None,
    wrap: LinkWrapper | None = None,
) -> Measurement:
    started = time.monotonic()
    done = journal.load() if journal else {}
    resumed = len(done)
    run = RecoveringRun(backend, firmware, model, policy or RetryPolicy(), wrap)
    try:
        run.start()
        latency = backend.latency_model(run.hello.counter_hz)
        out_dtype = run.model_info.output.dtype
        profile: tuple[m.OpProfile, ...] = ()
        if journal:
            journal.open(resumed=resumed)
        for index, sample in enumerate(inputs):
            if index not in done:
                want_profile = not profile and run.hello.has(m.Capability.PROFILE)
                result = run.infer(sample, profile=want_profile)
                profile = profile or result.profile
                done[index] = (result.output, result.ticks)
                if journal:
                    journal.append(index, result.output, result.ticks)
            if progress:
                progress(index + 1, len(inputs))
        stats = run.stats()
        if journal:
            journal.complete()
        outputs = [np.frombuffer(done[i][0], dtype=out_dtype) for i in range(len(inputs))]
        return Measurement(
            run.hello,
            run.model_info,
            np.stack(outputs) if outputs else np.empty((0,)),
            [latency.cycles(done[i][1]) for i in range(len(inputs))],
            latency.kind,
            latency.cycles_per_tick,
            profile,
            stats,
            firmware,
            backend.identity(),
            time.monotonic() - started,
            run.link_bytes(),
            run.retries,
            run.recoveries,
            resumed,
        )
    finally:
        if journal:
            journal.close()
        run.close()
