"""The agent's EEMBC personality on an emulated Cortex-M (QEMU mps2-an386),
gated through the plugin beside the native agent on the same machine:
accuracy, latency (the runner's timestamps) and memory (from the ELF)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import FIXTURES

FARM = """
[farm]
name = "eembc-qemu"

[[boards]]
name = "mps2-native"
backend = "qemu"
machine = "mps2-an386"

[[boards]]
name = "mps2-eembc"
backend = "qemu"
machine = "mps2-an386"
protocol = "eembc"
eembc_infer_n = 5
eembc_warmup = 1
eembc_windows = 2

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 20

[budgets.digits]
accuracy_min = 0.80
agreement_min = 1.0
latency_p95_ms = {latency}
flash_bytes_max = 200000
ram_bytes_max = 100000
"""


@pytest.mark.emulated
def test_eembc_personality_on_qemu_is_judged(pytester: pytest.Pytester) -> None:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    pytester.makefile(".toml", farm=FARM.format(latency=50))
    result = pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=10)
    records = json.loads((pytester.path / "reports" / "results.json").read_text())["records"]
    native, eembc = (next(r for r in records if r["board"] == b) for b in ("mps2-native", "mps2-eembc"))
    assert eembc["identity"]["protocol"] == "eembc"
    assert eembc["latency_kind"] == native["latency_kind"] == "instruction-estimate"
    assert eembc["metrics"]["accuracy"] == native["metrics"]["accuracy"]
    assert eembc["metrics"]["eembc_windows"] == 2
    # the same instructions counted two ways: SysTick ticks (native) and m-lap-us (EEMBC)
    ratio = eembc["metrics"]["cycles_p50"] / native["metrics"]["cycles_p50"]
    assert 0.8 < ratio < 1.25, ratio
    assert 0 < eembc["metrics"]["static_ram_bytes"] <= eembc["metrics"]["ram_bytes"] < 100000
    assert eembc["metrics"]["flash_bytes"] > eembc["metrics"]["firmware_flash_bytes"] > 0
    junit = ET.parse(pytester.path / "reports" / "junit.xml")
    protocols = {p.get("value") for p in junit.iter("property") if p.get("name") == "identity.protocol"}
    assert protocols == {"eembc", "tinyfarm"}
