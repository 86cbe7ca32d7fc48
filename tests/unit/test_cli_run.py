"""`farm run`: reports/junit.xml like the plugin's, exit codes like the plugin's, nothing stale."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.unit.test_cli_habits import farm, write_farm

BUDGETS = """
[budgets.ad01]
latency_p95_ms = 0.000001
arena_bytes_max = 1_000_000
"""
BROKEN_BOARD = """
[[boards]]
name = "rack-1"
backend = "command"
target = "host"
serial = { serial_number = "NOPE" }
flash_command = ["false"]
port_timeout = 0.2
"""


def cases(junit: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(junit).getroot()
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == "cli-run"
    return {(c.get("classname", ""), c.get("name", "")): c for c in suite.iter("testcase")}


def props(case: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


def test_run_writes_junit_per_board_model_check_and_exits_like_the_plugin(tmp_path: Path) -> None:
    path = write_farm(tmp_path, "host-1", extra='\n[farm]\nname = "cli-run"\n' + BUDGETS + BROKEN_BOARD)
    junit = tmp_path / "reports" / "junit.xml"
    junit.parent.mkdir()
    junit.write_text("stale")

    done = farm("run", "--smoke", "--farm", str(path), cwd=tmp_path, timeout=300)
    assert done.returncode == 1, done.stderr  # a missed budget outranks the broken board
    found = cases(junit)
    checks = ["smoke", "agreement", "latency", "memory"]  # no labels: no accuracy check
    assert sorted(found) == sorted((f"{b}.ad01", c) for b in ("host-1", "rack-1") for c in checks)

    latency = found[("host-1.ad01", "latency")]
    failure = latency.find("failure")
    assert failure is not None and "latency_p95_ms: MISSED" in failure.get("message", "")
    values = props(latency)
    assert values["board"] == "host-1" and values["latency_p95_ms.limit"] == "1e-06"
    assert float(values["latency_p95_ms.actual"]) > 1e-6
    memory = found[("host-1.ad01", "memory")]
    assert memory.find("failure") is None and int(props(memory)["arena_bytes_max.actual"]) > 0

    error = found[("rack-1.ad01", "smoke")].find("error")
    assert error is not None and "rack-1::ad01: infrastructure error" in error.get("message", "")
    for check in checks[1:]:  # reported once, on the first check; the others not judged
        assert found[("rack-1.ad01", check)].find("skipped") is not None

    # Only the broken board: an infrastructure failure, exit 3, and a new junit.xml.
    only_broken = tmp_path / "broken"
    write_farm(only_broken, None, extra='\n[farm]\nname = "cli-run"\n' + BROKEN_BOARD)
    done = farm("run", "--smoke", cwd=only_broken, timeout=300)
    assert done.returncode == 3, done.stderr
    assert set(cases(only_broken / "reports" / "junit.xml")) == {("rack-1.ad01", c) for c in checks}


def test_an_invalid_farm_leaves_no_stale_reports(tmp_path: Path) -> None:
    path = write_farm(tmp_path, "host-1", extra='\n[farm]\nname = "cli-run"\nbogus = 1\n')
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("junit.xml", "results.json", "manifest.json", "report.html"):
        (reports / name).write_text("from an earlier run")
    done = farm("--farm", str(path), "run", cwd=tmp_path)
    assert done.returncode == 2 and "farm.bogus: unknown key" in done.stderr
    assert sorted(p.name for p in reports.iterdir()) == []


def test_a_passing_run_exits_0(tmp_path: Path) -> None:
    write_farm(
        tmp_path, "host-1", extra='\n[farm]\nname = "cli-run"\n[budgets.ad01]\narena_bytes_max = 1e6\n'
    )
    done = farm("run", "--smoke", cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    found = cases(tmp_path / "reports" / "junit.xml")
    assert all(len(case) == 1 for case in found.values())  # properties only: no failure, error, skip
