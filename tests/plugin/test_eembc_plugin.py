"""Farms with EEMBC boards through the pytest plugin: a native and an EEMBC
board (both the agent's host build) agree; a scripted MLPerf Tiny device on
a pty is gated as a `serial` board with a dataset and no .tflite."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from tests.conftest import FIXTURES
from tests.eembc.device import MlperfTinyDevice, dataset

MIXED = """
[farm]
name = "mixed"

[[boards]]
name = "native"
backend = "fake"

[[boards]]
name = "eembc"
backend = "fake"
protocol = "eembc"
eembc_infer_n = 10
eembc_warmup = 2

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 60

[budgets.digits]
accuracy_min = 0.80
agreement_min = 1.0
latency_p95_ms = 1000
arena_bytes_max = 65536
"""


def test_native_and_eembc_boards_measure_the_same_accuracy(pytester: pytest.Pytester) -> None:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    pytester.makefile(".toml", farm=MIXED)
    result = pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10)
    records = json.loads((pytester.path / "reports" / "results.json").read_text())["records"]
    by_board = {r["board"]: r for r in records}
    native, eembc = by_board["native"], by_board["eembc"]
    assert native["metrics"]["accuracy"] == eembc["metrics"]["accuracy"]
    assert native["metrics"]["accuracy_correct"] == eembc["metrics"]["accuracy_correct"]
    assert eembc["metrics"]["agreement"] == 1.0 and eembc["metrics"]["top1_agreement"] == 1.0
    assert eembc["identity"]["protocol"] == "eembc" and native["identity"]["protocol"] == "tinyfarm"
    assert eembc["metrics"]["not_judged"] == ["arena_bytes_max"]
    assert 0 < eembc["metrics"]["wire_efficiency"] < 0.5  # hex text: under half the wire is payload
    assert eembc["metrics"]["eembc_infer_n"] == 10


SERIAL = """
[[boards]]
name = "mlperf-dut"
backend = "serial"
protocol = "eembc"
port = "{port}"
clock_hz = 80000000

[[models]]
name = "ic"
dataset = "ic.npz"
task = "classification"

[budgets.ic]
accuracy_min = 0.85
latency_p95_ms = {latency}
agreement_min = 1.0
"""


@pytest.mark.parametrize(("latency", "passed"), [(2.0, 5), (1.0, 4)])
def test_serial_mlperf_device_without_tflite(pytester: pytest.Pytester, latency: float, passed: int) -> None:
    x, y = dataset(40, wrong=4)  # the device's rule answers 36 of 40
    np.savez(pytester.path / "ic.npz", x=x, y=y)
    with MlperfTinyDevice(us_per_inference=1500) as device:
        pytester.makefile(".toml", farm=SERIAL.format(port=device.port, latency=latency))
        result = pytester.runpytest_subprocess(
            "--farm", "farm.toml", "--farm-hardware", "-p", "no:cacheprovider"
        )
    result.assert_outcomes(passed=passed, failed=4 - passed + 1)
    (record,) = json.loads((pytester.path / "reports" / "results.json").read_text())["records"]
    assert record["metrics"]["accuracy"] == pytest.approx(0.9)
    assert record["metrics"]["latency_p50_ms"] == pytest.approx(1.5)
    assert record["metrics"]["not_judged"] == ["agreement_min"]
    assert record["identity"]["protocol"] == "eembc" and record["identity"]["serial_port"] == device.port
    assert record["metrics"]["eembc_device_name"] == "scripted-mlperf-tiny"
    junit = ET.parse(pytester.path / "reports" / "junit.xml")
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert props["identity.protocol"] == "eembc"
    # samples went out as the dataset holds them: int8 bytes, hex as the runner sends them
    loads = [c for c in device.faults.seen if c.startswith("db load")]
    assert loads[0] == f"db load {x.shape[1]}"
