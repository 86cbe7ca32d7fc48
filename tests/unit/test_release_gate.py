"""The release gate without boards: accuracy policy (smoke interval, full point), baseline
messages naming both figures, history and drift, the manifest, and the HTML page."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from harness.cli import main
from harness.gate import history, html, manifest
from harness.gate.budgets import RULES
from harness.gate.finish import rebuild_report, write_reports
from harness.gate.stats import wilson_interval
from harness.run.evaluate import baseline_deltas, judge
from tests.unit.report_samples import sample_results


def _accuracy_values(correct: int, n: int) -> dict[str, float]:
    low, high = wilson_interval(correct, n)
    return {
        "samples": n,
        "accuracy": correct / n,
        "accuracy_correct": correct,
        "accuracy_ci_low": low,
        "accuracy_ci_high": high,
        "accuracy_ci_level": 0.95,
    }


def test_smoke_accuracy_passes_on_the_upper_bound_and_says_so() -> None:
    values = _accuracy_values(34, 40)  # 0.85, interval [0.7093, 0.9294]
    (smoke,) = judge({"accuracy_min": 0.90}, values, smoke=True)
    assert smoke.ok and smoke.basis == "wilson-upper" and smoke.metric == "accuracy_ci_high"
    assert smoke.actual == pytest.approx(0.9294, abs=1e-4)
    assert "upper bound 0.9294 >= 0.9000 (point 0.8500, 34/40 correct" in smoke.describe()
    (full,) = judge({"accuracy_min": 0.90}, values, smoke=False)
    assert not full.ok and full.basis == "point" and full.actual == 0.85
    assert "accuracy 0.8500 < 0.9000 (34/40 correct, Wilson 95% interval [0.7093, 0.9294])" in full.describe()


def test_smoke_accuracy_fails_when_even_the_upper_bound_is_below() -> None:
    (result,) = judge({"accuracy_min": 0.90}, _accuracy_values(28, 40), smoke=True)
    assert not result.ok
    assert result.describe().startswith("accuracy_min: MISSED: smoke subset: upper bound 0.8")
    assert "< 0.9000" in result.describe()


def test_baseline_budgets_name_candidate_and_baseline_figures() -> None:
    candidate = {
        "accuracy": 0.95,
        "cycles_p95": 110.0,
        "arena_bytes": 400,
        "flash_bytes": 1000,
        "ram_bytes": 10,
    }
    base = {
        "accuracy": 349 / 360,
        "cycles_p95": 100.0,
        "arena_bytes": 400,
        "flash_bytes": 900,
        "ram_bytes": 10,
    }
    values = {**candidate, "latency_p95_ms": 1.1, "baseline": {**base, "latency_p95_ms": 1.0}}
    values.update(baseline_deltas(values, base))
    assert values["latency_increase"] == pytest.approx(0.10)
    assert values["flash_increase"] == pytest.approx(1000 / 900 - 1)
    limits = {"accuracy_drop_max": 0.01, "latency_increase_max": 0.2, "flash_increase_max": 0.05}
    drop, latency, flash = judge(limits, values)
    assert drop.describe() == (
        "accuracy_drop_max: MISSED: candidate 0.9500 vs baseline 0.9694: drop 0.0194 > 0.0100"
    )
    assert latency.ok and "candidate p95 1.1 ms vs baseline p95 1 ms: increase 0.1000 <= 0.2000" in (
        latency.describe()
    )
    assert not flash.ok and "candidate 1,000 B flash vs baseline 900 B flash: increase 0.1111 > 0.0500" in (
        flash.describe()
    )
    (passes,) = judge({"accuracy_drop_max": 0.05}, values)
    assert passes.ok
    for key in ("arena_increase_max", "flash_increase_max", "ram_increase_max"):
        assert RULES[key].check == "baseline"


def test_history_appends_each_run_once_and_flags_drift(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    runs = [sample_results(started=1_800_000_000.0 + i * 60, p95=0.425) for i in range(3)]
    for results in runs:
        history.append(db, results)
    history.append(db, runs[-1])  # again: nothing added
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone() == (3,)
        counts = c.execute("SELECT board, model, COUNT(*) FROM results GROUP BY board, model").fetchall()
    assert sorted(counts) == [("nano33ble-emu", "digits-mlp", 3), ("stm32f4-emu", "digits-mlp", 3)]
    slower = sample_results(started=1_800_000_300.0, p95=0.46)  # +8.2 %: still inside the 5 ms budget
    history.append(db, slower)
    trends = history.trends(db, slower)
    trend = trends[("nano33ble-emu", "digits-mlp")]
    assert len(trend.runs) == 4
    assert trend.series("latency_p95_ms") == pytest.approx([0.425, 0.425, 0.425, 0.46])
    (found,) = trend.drifts
    assert found.metric == "latency_p95_ms" and found.runs == 3
    assert all(r["verdict"] == "pass" for r in slower["records"])
    # A smoke run is compared with smoke runs only.
    smoke = sample_results(started=1_800_000_400.0, smoke=True)
    history.append(db, smoke)
    assert len(history.trends(db, smoke)[("nano33ble-emu", "digits-mlp")].runs) == 1


def test_manifest_only_for_a_passing_gate_and_a_stale_one_is_removed(tmp_path: Path) -> None:
    passing = sample_results()
    path = manifest.write(passing, tmp_path)
    assert path == tmp_path / "manifest.json"
    written = json.loads(path.read_text())
    assert written["gate"] == "pass" and written["farm_sha256"] == "c" * 64
    assert written["tinyfarm_version"] == "0.1.0" and written["smoke"] is False
    assert written["models"] == {"digits-mlp": {"sha256": "a" * 64, "baseline_sha256": "b" * 64}}
    assert written["firmware"]["stm32f4-emu"]["sha256"] == "f" * 64
    assert "pty" not in written["boards"]["nano33ble-emu"]
    assert written["boards"]["nano33ble-emu"]["profile"] == "nano33ble"
    (first,) = [r for r in written["results"] if r["board"] == "nano33ble-emu"]
    assert first["metrics"]["accuracy"] == 349 / 360 and "latency_samples_ms" not in first["metrics"]
    failing = sample_results(correct=300)
    assert manifest.write(failing, tmp_path) is None
    assert not path.exists()
    assert manifest.write(sample_results(infra_error=True), tmp_path) is None


def test_html_report_is_self_contained_and_shows_what_the_gate_decided(tmp_path: Path) -> None:
    results = sample_results(smoke=True, correct=39, infra_error=True)
    write_reports(results, tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<link" not in page
    assert "class='verdict pass' data-board='nano33ble-emu'" in page
    assert "class='verdict error' data-board='nucleo-l4r5zi-emu'" in page
    assert "no HELLO within 5 s" in page.split("<h2>Model failures</h2>")[0]  # infrastructure section
    assert "wilson-upper" in page  # the bound the smoke gate applied
    assert "[0.8712, 0.9956] Wilson 95%, 39/40" in page
    assert "instruction estimate, uncalibrated" in page
    assert page.count('<svg class="plot latency"') == 1 and '<svg class="plot memory"' in page
    assert not (tmp_path / "manifest.json").exists()
    assert "FAIL" in page


def test_farm_report_rebuilds_the_page_without_a_farm_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = sample_results()
    write_reports(results, tmp_path)
    (tmp_path / "results.json").write_text(json.dumps(results))
    first = (tmp_path / "report.html").read_text()
    (tmp_path / "report.html").unlink()
    monkeypatch.chdir(tmp_path)  # no farm.toml here
    assert main(["report", "results.json"]) == 0
    assert (tmp_path / "report.html").read_text() == first  # manifest and history read, not appended
    with sqlite3.connect(tmp_path / "history.sqlite") as c:
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
    assert rebuild_report(tmp_path / "results.json", tmp_path / "again.html").read_text() == first
    assert main(["report", "missing.json"]) == 2


def test_a_run_that_measured_nothing_writes_no_report_and_removes_a_stale_manifest(tmp_path: Path) -> None:
    manifest.write(sample_results(), tmp_path)
    empty = sample_results()
    empty["records"] = []
    write_reports(empty, tmp_path)
    assert not (tmp_path / "manifest.json").exists() and not (tmp_path / "report.html").exists()
    assert html.render(empty).count("<td") == 0
