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

from harness.backends import BACKENDS, BoardBackend
from harness.boards.firmware import BuildSpec, FirmwareImage, build
from harness.boards.images import prebuilt
from harness.config.model import BoardConfig
from harness.config.ports import make_vars
from harness.link import messages as m
from harness.run.board_run import HANDSHAKE_ATTEMPTS, BoardRun, LinkWrapper
from harness.run.journal import SampleJournal
from harness.run.recovery import RecoveringRun, RetryPolicy

Progress = Callable[[int, int], None]
__all__ = ["HANDSHAKE_ATTEMPTS", "BoardRun", "Measurement", "build_firmware", "measure", "open_backend"]


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
    protocol: str = "tinyfarm"
    eembc: dict[str, Any] = field(default_factory=dict)  # what only the EEMBC protocol reports


def open_backend(board: BoardConfig, workdir: Path) -> BoardBackend:
    if board.labgrid_place and not board.url:
        # the place's serial port, valid while the place is acquired (harness.boards.lease)
        from harness.boards.labgrid import serial_url

        board = replace(board, url=serial_url(board.labgrid_place))
    return BACKENDS.get(board.backend)(board, workdir / board.name)


def build_firmware(backend: BoardBackend, build_root: Path, ops: tuple[str, ...] = ()) -> FirmwareImage:
    """The agent for this board, with the engine operators `ops` (all when empty), or the
    board's prebuilt image."""
    board = backend.board
    if board.image is not None:  # prebuilt firmware (farm.toml `image`): flashed as it is
        return prebuilt(board.image, board.target or "prebuilt")
    variant = tuple(make_vars(backend.target, board.variant()).items())
    sizes = (backend.clock_hz, board.flash_bytes, board.ram_bytes)
    spec = BuildSpec(
        backend.target,
        board.name,
        *sizes,
        variant=variant,
        protocol=board.protocol,
        ops=ops,
        kernels=board.kernels,
        fpu=board.fpu,
    )
    return build(spec, build_root)


def measure(
    backend: BoardBackend,
    firmware: FirmwareImage,
    model: bytes,
    inputs: npt.NDArray[Any],
    progress: Progress | None = None,
    journal: SampleJournal | None = None,
    policy: RetryPolicy | None = None,
    wrap: LinkWrapper | None = None,
    packed: bool = False,
    carry_state: bool = False,
) -> Measurement:
    """Every sample through the board. `packed`: the model has several inputs or outputs,
    so samples and outputs are byte rows (harness.models.tensors). `carry_state`: a stateful
    model's state carries from one sample to the next (one sequence, run from its start:
    no resuming from the journal); otherwise it is reset before every sample."""
    started = time.monotonic()
    done = journal.load() if journal and not carry_state else {}
    resumed = len(done)
    run = RecoveringRun(backend, firmware, model, policy or RetryPolicy(), wrap)
    try:
        run.start()
        latency = backend.latency_model(run.hello.counter_hz)
        out_dtype = np.dtype(np.uint8) if packed else run.model_info.output.dtype
        profile: tuple[m.OpProfile, ...] = ()
        if journal:
            journal.open(resumed=resumed)
        for index, sample in enumerate(inputs):
            if index not in done:
                want_profile = not profile and run.hello.has(m.Capability.PROFILE)
                result = run.infer(sample, profile=want_profile, carry_state=carry_state)
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
