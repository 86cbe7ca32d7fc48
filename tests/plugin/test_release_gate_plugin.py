"""The release gate through pytest on the fake backend: history over runs, the trend in the
report, the manifest, the baseline item's message and the smoke interval in JUnit."""

from __future__ import annotations

import json
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

BOARDS = """
[farm]
name = "gate-test"

[[boards]]
name = "host-1"
backend = "fake"

[[boards]]
name = "host-2"
backend = "fake"
"""

PASSING = (
    BOARDS
    + """
[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 60
smoke_samples = 20

[budgets.digits]
accuracy_min = 0.80
agreement_min = 1.0
latency_p95_ms = 1000
"""
)

CANDIDATE = (
    BOARDS
    + """
[[models]]
name = "digits"
path = "digits_mlp_weak_int8.tflite"
baseline = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"

[budgets.digits]
accuracy_min = 0.90
accuracy_drop_max = {drop}
arena_increase_max = 0.5
"""
)


@pytest.fixture
def farm_dir(pytester: pytest.Pytester) -> Path:
    for name in ("digits_mlp_int8.tflite", "digits_mlp_weak_int8.tflite"):
        shutil.copy(FIXTURES / "models" / name, pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    return pytester.path


def run(pytester: pytest.Pytester, text: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".toml", farm=text)
    return pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider", *args)


def test_three_runs_leave_three_history_rows_per_board_and_model_and_a_trend(
    pytester: pytest.Pytester, farm_dir: Path
) -> None:
    for _ in range(3):
        run(pytester, PASSING).assert_outcomes(passed=10)
    reports = farm_dir / "reports"
    with sqlite3.connect(reports / "history.sqlite") as db:
        rows = db.execute("SELECT board, model, COUNT(*) FROM results GROUP BY board, model").fetchall()
        hashes = dict(db.execute("SELECT DISTINCT board, firmware_sha256 FROM results").fetchall())
        (model_sha,) = db.execute("SELECT DISTINCT model_sha256 FROM results").fetchall()
        gates = db.execute("SELECT gate FROM runs").fetchall()
    assert sorted(rows) == [("host-1", "digits", 3), ("host-2", "digits", 3)]
    assert len(hashes) == 2 and len(model_sha[0]) == 64  # one firmware per board, the same every run
    assert gates == [("pass",)] * 3
    page = (reports / "report.html").read_text()
    assert page.count("<td class='num runs'>3</td>") == 2
    assert 'data-points="3"' in page
    written = json.loads((reports / "manifest.json").read_text())
    assert written["gate"] == "pass" and set(written["boards"]) == {"host-1", "host-2"}
    assert written["models"]["digits"]["sha256"] == model_sha[0]
    assert written["firmware"]["host-1"]["sha256"] == hashes["host-1"]


@pytest.mark.parametrize(("drop", "passes"), [("0.01", False), ("0.05", True)])
def test_baseline_item_names_both_figures_and_a_failing_gate_removes_the_manifest(
    pytester: pytest.Pytester, farm_dir: Path, drop: str, passes: bool
) -> None:
    reports = farm_dir / "reports"
    reports.mkdir()
    (reports / "manifest.json").write_text("{}")  # from an earlier run
    result = run(pytester, CANDIDATE.format(drop=drop), "--farm-board", "host-1")
    if passes:
        result.assert_outcomes(passed=6)
        assert json.loads((reports / "manifest.json").read_text())["gate"] == "pass"
        return
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*host-1::digits: accuracy_drop_max: MISSED: "
            "candidate 0.9500 vs baseline 0.9694: drop 0.0194 > 0.0100*"
        ]
    )
    assert not (reports / "manifest.json").exists()
    junit = ET.parse(reports / "junit.xml")
    (case,) = [c for c in junit.iter("testcase") if c.get("name") == "baseline"]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["accuracy_drop_max.limit"] == "0.01" and props["accuracy_drop_max.unit"] == "ratio"
    assert props["accuracy_drop_max.detail"].startswith("candidate 0.9500 vs baseline 0.9694")
    assert props["board"] == "host-1" and len(props["identity.firmware_sha256"]) == 64
    assert len(props["identity.baseline_sha256"]) == 64


def test_smoke_accuracy_gate_records_the_interval_it_applied(
    pytester: pytest.Pytester, farm_dir: Path
) -> None:
    run(pytester, PASSING, "--farm-smoke").assert_outcomes(passed=10)
    junit = ET.parse(farm_dir / "reports" / "junit.xml")
    cases = [c for c in junit.iter("testcase") if c.get("name") == "accuracy"]
    assert len(cases) == 2
    props = {p.get("name"): p.get("value") for p in cases[0].iter("property")}
    assert props["accuracy_min.basis"] == "wilson-upper"
    assert props["samples"] == "20"
    low, high = float(props["accuracy_ci_low"]), float(props["accuracy_ci_high"])
    assert low < float(props["accuracy"]) <= high == float(props["accuracy_min.actual"])
    assert "smoke subset: upper bound" in props["accuracy_min.detail"]
    page = (farm_dir / "reports" / "report.html").read_text()
    assert "accuracy gates on the upper bound of the Wilson 95% interval" in page
