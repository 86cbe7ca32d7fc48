"""Emulated twins stand in for physical boards: same firmware, same memory
limits, a repeatable latency estimate, and a prediction when calibrated.

QEMU tests run wherever QEMU and the Arm cross compiler are installed (the
emulated conftest skips them otherwise). Renode tests run where `renode` is on
PATH, and are skipped with that reason elsewhere (docs/emulated-twins.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from harness.boards.firmware import default_build_root
from harness.config import calibration as cal
from harness.config.load import load
from harness.config.model import FarmConfig
from harness.models.prepare import PreparedModel, prepare_all
from harness.models.reference import Reference
from harness.run.evaluate import build_record
from harness.run.farm import Farm
from harness.run.runner import BoardRun, Measurement, build_firmware, measure, open_backend
from tests.conftest import FIXTURES

WriteFarm = Callable[..., Path]
RESNET_FILES = ("models/pretrainedResnet_quant.tflite", "data/resnet_random.npz")
AD01 = FIXTURES / "models" / "ad01_int8.tflite"

needs_renode = pytest.mark.skipif(shutil.which("renode") is None, reason="renode not on PATH")


def test_a_model_that_does_not_fit_the_twins_ram_fails_there_and_passes_on_a_larger_twin(
    write_farm: WriteFarm,
) -> None:
    """ResNet-8 needs about 55 KB of arena: not there in 48 KiB of RAM, there in the Nano's 256 KiB."""
    path = write_farm(
        """
        [[boards]]
        name = "nano-48k"
        backend = "qemu"
        profile = "nano33ble"
        ram_bytes = 49_152

        [[boards]]
        name = "nano33ble-twin"
        backend = "qemu"
        profile = "nano33ble"

        [[models]]
        name = "resnet"
        path = "models/pretrainedResnet_quant.tflite"
        dataset = "data/resnet_random.npz"
        samples = 2

        [budgets.resnet]
        agreement_min = 1.0
        """,
        RESNET_FILES,
    )
    farm = Farm(load(path))
    small = farm.run("nano-48k", "resnet")
    assert small.verdict == "error" and small.error_class == "model", small.error
    assert small.error is not None
    assert small.error.startswith("board nano-48k: ")
    assert "bytes of arena, the board's RAM leaves" in small.error
    assert "(ram_bytes = 49,152" in small.error
    large = farm.run("nano33ble-twin", "resnet")
    assert large.verdict == "pass", large.error or large.budgets
    assert large.metrics["agreement"] == 1.0
    assert large.metrics["arena_bytes"] > small_arena_have(small.error)


def small_arena_have(error: str) -> int:
    """The arena the small twin had, from its error text."""
    after = error.split("the board's RAM leaves ", 1)[1]
    return int(after.split(" ", 1)[0].replace(",", ""))


def test_a_model_that_does_not_fit_the_twins_flash_fails_before_flashing(write_farm: WriteFarm) -> None:
    path = write_farm(
        """
        [[boards]]
        name = "nano-128k-flash"
        backend = "qemu"
        profile = "nano33ble"
        flash_bytes = 131_072

        [[models]]
        name = "resnet"
        path = "models/pretrainedResnet_quant.tflite"
        dataset = "data/resnet_random.npz"
        samples = 1
        """,
        RESNET_FILES,
    )
    record = Farm(load(path)).run("nano-128k-flash", "resnet")
    assert record.verdict == "error" and record.error_class == "model"
    assert record.error is not None
    assert record.error.startswith("board nano-128k-flash: ")
    assert "does not fit in flash" in record.error and "(flash_bytes = 131,072)" in record.error
    assert "model 98,496 B" in record.error


def _twin_config(write_farm: WriteFarm, tmp_path: Path, calibration: str | None) -> FarmConfig:
    if calibration is not None:
        (tmp_path / "calibration.toml").write_text(calibration)
    path = write_farm(
        """
        [[boards]]
        name = "nano33ble-twin"
        backend = "qemu"
        profile = "nano33ble"

        [[models]]
        name = "ad01"
        path = "models/ad01_int8.tflite"
        dataset = "data/ad01_random.npz"
        samples = 3
        """,
        ("models/ad01_int8.tflite", "data/ad01_random.npz"),
    )
    return load(path)


def _measure(config: FarmConfig, workdir: Path) -> tuple[Measurement, PreparedModel]:
    board = config.board("nano33ble-twin")
    model = prepare_all(config, smoke=False)["ad01"]
    backend = open_backend(board, workdir)
    firmware = build_firmware(backend, default_build_root())
    return measure(backend, firmware, model.data, model.inputs), model


def test_two_runs_on_the_same_twin_count_the_same_cycles(write_farm: WriteFarm, tmp_path: Path) -> None:
    config = _twin_config(write_farm, tmp_path, None)
    first, _ = _measure(config, tmp_path / "run1")
    second, _ = _measure(config, tmp_path / "run2")  # a fresh QEMU boot
    assert first.latency_kind == "instruction-estimate"
    assert len(first.cycles) == 3 and min(first.cycles) > 1e5
    assert first.cycles == second.cycles  # identical, not merely close
    assert np.array_equal(first.outputs, second.outputs)


CALIBRATION = """
[[calibration]]
profile = "nano33ble"
emulator = "qemu"
factor = 1.8
physical_board = "nano33-1"
date = 2025-06-02
model = "ad01"
method = "p95 of 100 inferences, DWT CYCCNT on the Nano 33 BLE Sense vs qemu -icount shift=0 (example)"
"""


@pytest.mark.parametrize("calibrated", [True, False], ids=["calibrated", "uncalibrated"])
def test_the_record_shows_prediction_and_source_or_says_uncalibrated(
    write_farm: WriteFarm, tmp_path: Path, calibrated: bool
) -> None:
    config = _twin_config(write_farm, tmp_path, CALIBRATION if calibrated else None)
    board = config.board("nano33ble-twin")
    measured, model = _measure(config, tmp_path / "run")
    assert board.clock_hz is not None
    record = build_record(board.name, model, measured, {}, board.clock_hz, board_config=board)
    summary = record.latency_calibration
    assert summary is not None and record.latency_kind == "instruction-estimate"
    assert record.identity["profile"] == "nano33ble"
    if calibrated:
        assert summary["status"] == "calibrated" and summary["source"]["physical_board"] == "nano33-1"
        assert record.metrics["latency_p95_ms_predicted"] == pytest.approx(
            record.metrics["latency_p95_ms"] * 1.8
        )
        assert cal.label(summary).startswith("estimate ×1.8 → predicted (from nano33-1, ad01, 2025-06-02)")
    else:
        assert summary["status"] == "uncalibrated" and "latency_p95_ms_predicted" not in record.metrics
        assert cal.label(summary) == "instruction estimate, uncalibrated"


# ---------------------------------------------------------------- Renode (live)


@needs_renode
def test_renode_stm32f4_twin_runs_the_agent_bit_exact(tmp_path: Path) -> None:
    from harness.config.model import BoardConfig

    board = BoardConfig(
        name="f4-renode",
        backend="renode",
        clock_hz=168_000_000,
        flash_bytes=1_048_576,
        ram_bytes=131_072,
        options={"platform": "stm32f4"},
    )
    backend = open_backend(board, tmp_path)
    firmware = build_firmware(backend, default_build_root())
    inputs = np.random.default_rng(5).integers(-128, 128, (2, 1, 640), dtype=np.int8)
    with BoardRun(backend, firmware, AD01.read_bytes()) as run:
        assert run.hello.board == "f4-renode"
        results = [run.infer(x) for x in inputs]
        identity = backend.identity()
    backend.close()
    reference = Reference(AD01)
    for x, result in zip(inputs, results, strict=True):
        assert np.frombuffer(result.output, np.int8).tolist() == reference.run(x).ravel().tolist()
    assert results[0].ticks > 0
    assert float(identity["virtual_time_s"]) > 0
    assert backend.latency_model(0).kind == "instruction-estimate"


@needs_renode
@pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "firmware" / "ports" / "nrf52840").is_dir(),
    reason="no nrf52840 firmware port in this checkout",
)
def test_renode_nano33ble_twin_boots_from_the_profile(write_farm: WriteFarm) -> None:
    path = write_farm(
        """
        [[boards]]
        name = "nano-renode"
        backend = "renode"
        profile = "nano33ble"

        [[models]]
        name = "ad01"
        path = "models/ad01_int8.tflite"
        dataset = "data/ad01_random.npz"
        samples = 2

        [budgets.ad01]
        agreement_min = 1.0
        """,
        ("models/ad01_int8.tflite", "data/ad01_random.npz"),
    )
    config = load(path)
    assert config.board("nano-renode").options["platform"] == "nrf52840"
    record = Farm(config).run("nano-renode", "ad01")
    assert record.verdict == "pass", record.error or record.budgets
    assert record.latency_kind == "instruction-estimate"
