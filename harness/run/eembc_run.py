"""Run one model on a board that speaks the MLPerf Tiny (EEMBC) device API.

The firmware is the user's image the model names (built by its `build`
command when it has one), or, when it names none, the agent's EEMBC
personality with the model in its slot. Accuracy: each sample loaded
(`db`) and run once (`infer 1 0`), as the runner's accuracy mode does.
Latency: the runner's performance mode, `infer N W` on the first samples
(one window each), elapsed time between the two m-lap-us divided by N.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.backends import BoardBackend
from harness.boards.firmware import FirmwareImage, describe
from harness.config.eembc import substitute
from harness.errors import AgentTimeout, FlashError, ProtocolError
from harness.link import messages as m
from harness.link.eembc import EembcSession
from harness.link.links import Link
from harness.link.timeouts import Timeouts
from harness.models.prepare import PreparedModel
from harness.run.board_run import HANDSHAKE_ATTEMPTS, LinkWrapper
from harness.run.runner import Measurement, Progress

BUILD_TIMEOUT_S = 1800
NO_IMAGE = FirmwareImage(Path(), "user", "", "", 0, 0, None)  # a serial board without a named image


def user_firmware(model: PreparedModel, backend: BoardBackend, root: Path) -> FirmwareImage | None:
    """The image the model names for this board, built first when it has a build command."""
    config, board = model.config, backend.board.name
    if config.firmware is None:
        return None
    try:
        path = root / substitute(config.firmware, model.name, board)
        args = [substitute(a, model.name, board) for a in config.build]
    except ValueError as exc:
        raise FlashError(f"board {board}: model {model.name}: {exc}") from None
    if args:
        done = subprocess.run(
            args, cwd=root, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            raise FlashError(f"build of {model.name} for {board} failed ({args[0]}): {done.stderr[-1500:]}")
    if not path.is_file():
        raise FlashError(f"board {board}: model {model.name}: firmware {path.name} not found")
    image = describe(path, backend.target)
    return FirmwareImage(**{**image.__dict__, "host_binary": path if backend.target == "host" else None})


def _stand_ins(name: str, backend: BoardBackend) -> tuple[m.Hello, m.ModelInfo, m.Stats]:
    """The agent's HELLO, MODEL_INFO and STATS have no EEMBC counterpart: empty ones."""
    clock, port = backend.clock_hz, backend.target
    hello = m.Hello(0, 0, 0, 0, 0, clock, 1_000_000, 0, 0, 0, b"", b"", 0, name, port)
    tensor = m.TensorDesc(0, (), 0.0, 0, 0)
    return hello, m.ModelInfo(0, 0, 0, tensor, tensor), m.Stats(0, 0, 0, 0, 0, 0, 0, 0)


def _connect(backend: BoardBackend, link: Link, timeouts: Timeouts) -> EembcSession:
    session = EembcSession(link, backend.board.name, timeouts)
    last: Exception | None = None
    for attempt in range(HANDSHAKE_ATTEMPTS):
        try:
            session.hello(timeouts.boot() if attempt == 0 else None)
            return session
        except (AgentTimeout, ProtocolError) as exc:
            last = exc
        link.drain(quiet=0.2)
        session.lines.reset()
    raise AgentTimeout(f"board {backend.board.name}: no clean `name%` in {HANDSHAKE_ATTEMPTS} tries: {last}")


def _samples(inputs: npt.NDArray[Any]) -> list[bytes]:
    return [np.ascontiguousarray(x).tobytes() for x in inputs]


def measure_eembc(
    backend: BoardBackend,
    firmware: FirmwareImage,
    model: PreparedModel,
    progress: Progress | None = None,
    wrap: LinkWrapper | None = None,
) -> Measurement:
    board, started = backend.board, time.monotonic()
    if backend.flashes:
        own = model.config.firmware is None  # the agent's personality: the model goes in its slot
        backend.flash(firmware, model.data if own else None)
    link = backend.open_link()
    link = wrap(link) if wrap else link
    try:
        backend.link_opened()
        base = Timeouts(link_bytes_per_s=backend.link_bytes_per_s, factor=board.timeout_factor)
        session = _connect(backend, link, base.for_model(len(model.data) or 100_000))
        samples = _samples(model.inputs)
        outputs, decimals = [], 3
        for index, sample in enumerate(samples):
            result = session.run(sample, 1, 0)
            outputs.append(result.results)
            decimals = result.decimals
            if progress:
                progress(index + 1, len(samples))
        lap = backend.lap_model()
        per_inference_us = []
        for sample in samples[: board.eembc_windows]:
            timed = session.run(sample, board.eembc_infer_n, board.eembc_warmup)
            if timed.elapsed_us is None:
                raise ProtocolError(f"board {board.name}: `infer` answered without two m-lap-us timestamps")
            per_inference_us.append(timed.elapsed_us / timed.iterations)
        hello, info, stats = _stand_ins(session.device_name or board.name, backend)
        eembc = {
            "device_name": session.device_name,
            "device_profile": session.profile.get("profile"),
            "results_decimals": decimals,
            "infer_n": board.eembc_infer_n,
            "warmup": board.eembc_warmup,
            "windows": len(per_inference_us),
            "latency_us": per_inference_us,
            "payload_bytes": session.payload_bytes,
            "wire_bytes": link.bytes_written + link.bytes_read,
            "wire_efficiency": session.wire_efficiency(),
            "resyncs": session.resyncs,
            "firmware_known": firmware is not NO_IMAGE,
        }
        return Measurement(
            hello,
            info,
            np.array(outputs, dtype=np.float64),
            [lap.cycles(round(us)) for us in per_inference_us],
            lap.kind,
            lap.cycles_per_tick,
            (),
            stats,
            firmware,
            {**backend.identity(), "protocol": "eembc"},
            time.monotonic() - started,
            {"written": link.bytes_written, "read": link.bytes_read},
            session.retries,
            [],
            0,
            "eembc",
            eembc,
        )
    finally:
        link.close()
        backend.close()
