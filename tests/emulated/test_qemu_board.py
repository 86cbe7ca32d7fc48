"""The real agent firmware on QEMU boards, through a real pty and pyserial."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.boards.firmware import default_build_root
from harness.config.model import BoardConfig
from harness.link.messages import Capability
from harness.models.reference import Reference
from harness.run.runner import BoardRun, build_firmware, open_backend
from tests.conftest import FIXTURES
from tests.emulated.farm_infer import farm_infer

AD01 = FIXTURES / "models" / "ad01_int8.tflite"
MACHINES = ["mps2-an386", "netduinoplus2"]


def qemu_board(machine: str, **extra: object) -> BoardConfig:
    return BoardConfig(name=f"t-{machine}", backend="qemu", options={"machine": machine}, **extra)  # type: ignore[arg-type]


@pytest.fixture(params=MACHINES)
def booted(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    backend = open_backend(qemu_board(request.param), tmp_path)
    firmware = build_firmware(backend, default_build_root())
    with BoardRun(backend, firmware, AD01.read_bytes()) as run:
        yield run
    backend.close()


def test_hello_reports_board_and_build(booted: BoardRun) -> None:
    hello = booted.hello
    assert hello.board == booted.backend.board.name
    assert hello.port == booted.backend.target
    assert hello.build_id.hex() == booted.firmware.build_id  # the ELF we built is what runs
    assert hello.has(Capability.SLOT_VERIFY)
    assert booted.model_info.input.dims == (1, 640)


def test_echo_round_trips_every_byte_value(booted: BoardRun) -> None:
    payload = bytes(range(256)) * 3
    assert booted.session.echo(payload) == payload


def test_outputs_bit_identical_and_cycles_deterministic(booted: BoardRun) -> None:
    reference = Reference(AD01)
    rng = np.random.default_rng(7)
    inputs = rng.integers(-128, 128, (3, 1, 640), dtype=np.int8)
    first = [booted.infer(x) for x in inputs]
    for x, result in zip(inputs, first, strict=True):
        assert np.frombuffer(result.output, np.int8).tolist() == reference.run(x).ravel().tolist()
    again = booted.infer(inputs[0])
    assert again.ticks == first[0].ticks  # -icount shift=0: same input, same count


def test_stats_after_inference(booted: BoardRun) -> None:
    booted.infer(np.zeros(640, np.int8))
    stats = booted.session.stats()
    assert 0 < stats.arena_used <= stats.arena_size
    assert stats.bad_frames == 0


def test_farm_infer_cli_matches_tflite_micro(tmp_path: Path) -> None:
    """Issue check: `farm infer` on ad01 for 20 random inputs equals TFLM on the host."""
    inputs = np.random.default_rng(2026).integers(-128, 128, (20, 1, 640), dtype=np.int8)
    device = farm_infer("nano33ble-emu", AD01, inputs, tmp_path)
    reference = Reference(AD01)
    expected = np.stack([reference.run(x) for x in inputs])
    assert device.dtype == np.int8 and device.shape == (20, 1, 640)
    assert np.array_equal(device, expected)


def test_instruction_estimate_is_independent_of_icount_shift(tmp_path: Path) -> None:
    """The tick → instruction conversion is right only if both shifts agree."""
    estimates = []
    tensor = np.random.default_rng(3).integers(-128, 128, 640, dtype=np.int8)
    for shift in (0, 2):
        board = BoardConfig(
            name="t-shift", backend="qemu", options={"machine": "mps2-an386", "icount_shift": shift}
        )
        backend = open_backend(board, tmp_path / str(shift))
        with BoardRun(backend, build_firmware(backend, default_build_root()), AD01.read_bytes()) as run:
            ticks = run.infer(tensor).ticks
            estimates.append(backend.latency_model(run.hello.counter_hz).cycles(ticks))
        backend.close()
    assert estimates[0] > 3e5  # AD01 runs about 0.68 M instructions with the Armv7E-M kernels
    assert abs(estimates[0] - estimates[1]) / estimates[0] < 0.001
