"""Calibration: an emulated estimate, a factor with its provenance, a predicted latency."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from harness.boards.firmware import FirmwareImage
from harness.config import calibration as cal
from harness.config.load import load
from harness.config.model import BoardConfig, FarmConfig
from harness.errors import ConfigError
from harness.link import messages as m
from harness.models.prepare import PreparedModel, prepare_all
from harness.run.evaluate import build_record
from harness.run.runner import Measurement

WriteFarm = Callable[..., Path]

FARM = """
[[boards]]
name = "nano-twin"
backend = "qemu"
profile = "nano33ble"
{extra}

[[boards]]
name = "nucleo-twin"
backend = "qemu"
profile = "nucleo-l4r5zi"

[[models]]
name = "mlp"
path = "models/digits_mlp_int8.tflite"
dataset = "data/digits_test.npz"
samples = 4

[budgets.mlp]
latency_p95_ms = 1.0
"""
FILES = ("models/digits_mlp_int8.tflite", "data/digits_test.npz")

CALIBRATION = """
[[calibration]]
profile = "nano33ble"
emulator = "qemu"
machine = "mps2-an386"
factor = 1.5
physical_board = "nano33-1"
date = 2025-06-02
model = "kws"
method = "p95 of 200 inferences: DWT CYCCNT on silicon, qemu -icount shift=0 on the twin"
"""


def _farm(write_farm: WriteFarm, tmp_path: Path, calibration: str | None, extra: str = "") -> FarmConfig:
    if calibration is not None:
        (tmp_path / "calibration.toml").write_text(calibration)
    return load(write_farm(FARM.format(extra=extra), FILES))


def _measurement(model: PreparedModel, cycles: list[float], kind: str = cal.ESTIMATE) -> Measurement:
    desc = m.TensorDesc(9, (1, 10), 1.0, 0, 10)
    hello = m.Hello(
        1, 256, 4, 0, 1, 64_000_000, 25_000_000, 0, 0, 4096, b"\x01" * 20, b"", 0, "t", "mps2_an386"
    )
    firmware = FirmwareImage(Path("agent.elf"), "mps2_an386", "01" * 20, "ab" * 32, 20_000, 4_000, None)
    return Measurement(
        hello=hello,
        model_info=m.ModelInfo(1_000, 4_096, 3, desc, desc),
        outputs=model.reference_outputs,
        cycles=cycles,
        latency_kind=kind,
        cycles_per_tick=40.0,
        profile=(),
        stats=m.Stats(1_000, 4_096, 512, 8_192, 0, 0, 0, 10),
        firmware=firmware,
        identity={"backend": "qemu"},
        seconds=1.0,
    )


def _record(config: FarmConfig, board: str, kind: str = cal.ESTIMATE):  # type: ignore[no-untyped-def]
    model = prepare_all(config, smoke=False)["mlp"]
    twin = config.board(board)
    assert twin.clock_hz is not None
    # 48,000 instructions at 64 MHz: 0.75 ms estimated; ×1.5 → 1.125 ms predicted
    cycles = [48_000.0] * len(model.inputs)
    return build_record(
        board,
        model,
        _measurement(model, cycles, kind),
        config.limits("mlp", board),
        64_000_000,
        board_config=twin,
    )


def test_with_an_entry_the_record_shows_the_predicted_latency_and_its_source(
    write_farm: WriteFarm, tmp_path: Path
) -> None:
    config = _farm(write_farm, tmp_path, CALIBRATION)
    record = _record(config, "nano-twin")
    assert record.latency_kind == "instruction-estimate"
    assert record.metrics["latency_p95_ms"] == pytest.approx(0.75)
    assert record.metrics["latency_p95_ms_predicted"] == pytest.approx(1.125)
    summary = record.latency_calibration
    assert summary is not None
    assert summary["status"] == "calibrated" and summary["factor"] == 1.5
    assert summary["source"]["physical_board"] == "nano33-1"
    assert summary["source"]["date"] == "2025-06-02"
    assert summary["source"]["model"] == "kws"
    assert summary["source"]["file"] == "calibration.toml[0]"
    assert "DWT CYCCNT" in summary["source"]["method"]
    assert "predicted" in summary["label"] and "nano33-1" in summary["label"]
    # results.json carries all of it
    text = json.dumps(record.to_json())
    assert '"latency_p95_ms_predicted"' in text and '"physical_board": "nano33-1"' in text
    # the budget judged the estimate (the default basis): 0.75 <= 1.0
    assert record.verdict == "pass"


def test_without_an_entry_the_estimate_is_labelled_uncalibrated(
    write_farm: WriteFarm, tmp_path: Path
) -> None:
    config = _farm(write_farm, tmp_path, CALIBRATION)
    record = _record(config, "nucleo-twin")  # the file calibrates nano33ble only
    summary = record.latency_calibration
    assert summary is not None and summary["status"] == "uncalibrated" and summary["factor"] is None
    assert summary["label"] == "instruction estimate, uncalibrated"
    assert not any(k.endswith("_predicted") for k in record.metrics)
    assert "source" not in summary


def test_no_calibration_file_at_all(write_farm: WriteFarm, tmp_path: Path) -> None:
    config = _farm(write_farm, tmp_path, None)
    assert config.calibration_file is None
    record = _record(config, "nano-twin")
    assert record.latency_calibration is not None
    assert record.latency_calibration["status"] == "uncalibrated"


def test_latency_basis_predicted_judges_the_prediction(write_farm: WriteFarm, tmp_path: Path) -> None:
    config = _farm(write_farm, tmp_path, CALIBRATION, extra='latency_basis = "predicted"')
    record = _record(config, "nano-twin")
    (budget,) = record.budgets
    assert budget["name"] == "latency_p95_ms"
    assert budget["metric"] == "latency_p95_ms_predicted"
    assert budget["actual"] == pytest.approx(1.125) and not budget["ok"]
    assert record.verdict == "fail"
    assert record.latency_calibration is not None and record.latency_calibration["basis"] == "predicted"


def test_latency_basis_predicted_without_a_calibration_is_a_config_error(
    write_farm: WriteFarm, tmp_path: Path
) -> None:
    with pytest.raises(
        ConfigError, match=r"boards\[0\]\.latency_basis: 'predicted' needs a calibration entry"
    ):
        _farm(write_farm, tmp_path, None, extra='latency_basis = "predicted"')


def test_measured_latency_needs_no_factor(write_farm: WriteFarm, tmp_path: Path) -> None:
    config = _farm(write_farm, tmp_path, CALIBRATION)
    record = _record(config, "nano-twin", kind=cal.MEASURED)
    assert record.latency_calibration is not None and record.latency_calibration["status"] == "measured"
    assert record.metrics["latency_p95_ms_predicted"] == record.metrics["latency_p95_ms"]


def test_farm_calibration_key_names_another_file(write_farm: WriteFarm, tmp_path: Path) -> None:
    (tmp_path / "lab-factors.toml").write_text(CALIBRATION)
    text = FARM.format(extra="").replace(
        "[[boards]]", '[farm]\ncalibration = "lab-factors.toml"\n\n[[boards]]', 1
    )
    config = load(write_farm(text, FILES))
    assert config.calibration_file == (tmp_path / "lab-factors.toml").resolve()
    entry = config.board("nano-twin").calibration
    assert entry is not None and entry.factor == 1.5
    assert config.board("nucleo-twin").calibration is None


def test_farm_calibration_key_missing_file(write_farm: WriteFarm) -> None:
    text = FARM.format(extra="").replace("[[boards]]", '[farm]\ncalibration = "nope.toml"\n\n[[boards]]', 1)
    with pytest.raises(ConfigError, match=r"farm\.calibration: file not found: nope.toml"):
        load(write_farm(text, FILES))


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("factor = 0\n", r"calibration\[0\]\.factor: wrong value 0"),
        ("factor = true\n", r"calibration\[0\]\.factor: wrong value True"),
        ("colour = 'blue'\nfactor = 1.2\n", r"calibration\[0\]\.colour: unknown key"),
    ],
)
def test_calibration_file_errors_name_the_key(tmp_path: Path, body: str, where: str) -> None:
    path = tmp_path / "calibration.toml"
    path.write_text(
        '[[calibration]]\nprofile = "nano33ble"\nphysical_board = "b"\ndate = 2025-01-01\n'
        f'model = "kws"\nmethod = "p95"\n{body}'
    )
    with pytest.raises(ConfigError, match=where):
        cal.load_file(path)


def test_calibration_entry_must_name_its_provenance(tmp_path: Path) -> None:
    path = tmp_path / "calibration.toml"
    path.write_text('[[calibration]]\nprofile = "nano33ble"\nfactor = 1.2\n')
    with pytest.raises(ConfigError, match=r"calibration\[0\]\.physical_board: missing"):
        cal.load_file(path)


def test_the_most_specific_entry_wins() -> None:
    common = {"physical_board": "p", "date": "2025-01-01", "model": "kws", "method": "p95"}
    by_profile = cal.CalibrationEntry(1.1, profile="nano33ble", **common)
    by_machine = cal.CalibrationEntry(
        1.2, profile="nano33ble", emulator="qemu", machine="mps2-an386", **common
    )
    by_board = cal.CalibrationEntry(1.3, board="nano-twin", **common)
    renode_only = cal.CalibrationEntry(1.4, profile="nano33ble", emulator="renode", **common)
    entries = [by_profile, by_machine, by_board, renode_only]
    assert cal.resolve(entries, "nano-twin", "nano33ble", "qemu", "mps2-an386") is by_board
    assert cal.resolve(entries, "other", "nano33ble", "qemu", "mps2-an386") is by_machine
    assert cal.resolve(entries, "other", "nano33ble", "qemu", "mps2-an500") is by_profile
    assert cal.resolve(entries, "other", "nano33ble", "renode", "nrf52840") is renode_only
    assert cal.resolve(entries, "other", "nucleo-l4r5zi", "qemu", "mps2-an386") is None


def test_a_new_entry_from_two_figures_round_trips_through_the_file(tmp_path: Path) -> None:
    entry = cal.entry_from_figures(
        2.0,
        3.1,
        profile="nano33ble",
        emulator="qemu",
        physical_board="nano33-1",
        date="2025-06-02",
        model="kws",
        method='p95, "DWT" vs icount',
    )
    assert entry.factor == pytest.approx(1.55)
    path = tmp_path / "calibration.toml"
    path.write_text(cal.to_toml(entry))
    (loaded,) = cal.load_file(path)
    assert loaded.factor == pytest.approx(1.55) and loaded.method == 'p95, "DWT" vs icount'
    assert (loaded.estimate_ms, loaded.measured_ms) == (2.0, 3.1)


def test_board_config_defaults_keep_old_behaviour() -> None:
    board = BoardConfig(name="b", backend="qemu")
    assert board.latency_basis == "estimate" and board.calibration is None and board.profile is None
    assert cal.label(None) == ""
    assert np.isclose(cal.apply({"latency_p95_ms": 2.0}, "host-wallclock", None)["summary"]["factor"] or 0, 0)
