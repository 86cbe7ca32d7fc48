"""The pytest plugin, driven through pytester against the host build of the agent.

The `fake` backend runs the real agent core (protocol, loader, engine)
compiled for Linux behind a real pty, so these tests exercise the whole
path: config, firmware build, link, session, metrics, budgets, reports.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

FARM = """
[farm]
name = "plugin-test"

[[boards]]
name = "host-1"
backend = "fake"

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 60

[budgets.digits]
accuracy_min = 0.80
agreement_min = 1.0
latency_p95_ms = {latency}
arena_bytes_max = 65536
"""


@pytest.fixture
def farm_dir(pytester: pytest.Pytester) -> Path:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    return pytester.path


def run_farm(pytester: pytest.Pytester, latency: str) -> pytest.RunResult:
    pytester.makefile(".toml", farm=FARM.format(latency=latency))
    return pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")


def test_farm_passes_and_writes_reports(pytester: pytest.Pytester, farm_dir: Path) -> None:
    result = run_farm(pytester, "1000")
    result.assert_outcomes(passed=5)
    results = json.loads((farm_dir / "reports" / "results.json").read_text())
    (record,) = results["records"]
    assert record["verdict"] == "pass"
    assert record["metrics"]["agreement"] == 1.0
    assert record["metrics"]["samples"] == 60
    junit = ET.parse(farm_dir / "reports" / "junit.xml")
    # classname <board>.<model> (no file-name dots), name <check>; the suite is the farm's name.
    cases = {f"{c.get('classname')}::{c.get('name')}": c for c in junit.iter("testcase")}
    checks = ("smoke", "accuracy", "agreement", "latency", "memory")
    assert set(cases) == {f"host-1.digits::{c}" for c in checks}
    assert [s.get("name") for s in junit.iter("testsuite")] == ["plugin-test"]
    props = {p.get("name"): p.get("value") for p in cases["host-1.digits::accuracy"].iter("property")}
    assert props["accuracy_min.limit"] == "0.8"
    assert float(props["accuracy_min.actual"]) == record["metrics"]["accuracy"]


def test_impossible_budget_fails_with_names_and_numbers(pytester: pytest.Pytester, farm_dir: Path) -> None:
    result = run_farm(pytester, "0.000001")
    result.assert_outcomes(passed=4, failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*host-1::digits: latency_p95_ms: MISSED: actual * ms, limit <= 1e-06 ms*"])


def test_invalid_farm_runs_nothing(pytester: pytest.Pytester, farm_dir: Path) -> None:
    pytester.makefile(".toml", farm=FARM.format(latency="10").replace('backend = "fake"', 'backend = "fak"'))
    result = pytester.runpytest_subprocess("--farm", "farm.toml")
    assert result.ret == 2  # usage or config (docs/release-gate.md)
    assert "farm.toml: boards[0].backend: unknown backend 'fak' (accepted: " in result.stderr.str()
    assert "fake, " in result.stderr.str() and "qemu" in result.stderr.str()
    assert not (farm_dir / "reports").exists()
