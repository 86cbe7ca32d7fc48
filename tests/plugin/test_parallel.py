"""Boards in parallel under pytest-xdist: leases, whole boards per worker, merged reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.boards.lease import BoardLease, holder_of
from harness.config.model import BoardConfig
from harness.errors import BoardUnavailable
from harness.run.parallel import board_scope
from tests.conftest import FIXTURES

pytest.importorskip("xdist")

FARM = """
[farm]
name = "parallel-test"

{boards}

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 30

[[models]]
name = "ad01"
path = "ad01_int8.tflite"
dataset = "ad01_random.npz"
task = "anomaly"
samples = 3

[budgets.digits]
accuracy_min = 0.5
agreement_min = 1.0
"""


@pytest.fixture
def farm_dir(pytester: pytest.Pytester) -> Path:
    for name in ("models/digits_mlp_int8.tflite", "data/digits_test.npz", "models/ad01_int8.tflite"):
        shutil.copy(FIXTURES / name, pytester.path)
    shutil.copy(FIXTURES / "data" / "ad01_random.npz", pytester.path)
    boards = "\n".join(f'[[boards]]\nname = "host-{i}"\nbackend = "fake"\n' for i in range(3))
    pytester.makefile(".toml", farm=FARM.format(boards=boards))
    return pytester.path


def test_two_workers_merge_results_and_junit(pytester: pytest.Pytester, farm_dir: Path) -> None:
    pytester.makepyfile(
        test_own="""
        def test_board_answers(agent, board):
            assert agent.echo(board.name.encode()) == board.name.encode()
        """
    )
    result = pytester.runpytest_subprocess(
        "--farm", "farm.toml", "-n", "2", "-p", "no:cacheprovider", "farm.toml", "test_own.py", "-v"
    )
    result.assert_outcomes(passed=3 * 5 + 3 * 4 + 6)
    results = json.loads((farm_dir / "reports" / "results.json").read_text())
    pairs = [(r["board"], r["model"]) for r in results["records"]]
    assert pairs == [(f"host-{i}", m) for i in range(3) for m in ("digits", "ad01")]  # farm.toml order
    assert results["workers"] == 2
    assert not list((farm_dir / ".tinyfarm").rglob("results-gw*.json"))  # fragments merged away
    assert sorted(p.name for p in (farm_dir / "reports").iterdir()) == [  # reports only
        "history.sqlite", "junit.xml", "manifest.json", "report.html", "results.json"
    ]
    assert results["status"] == "complete"
    cases = list(ET.parse(farm_dir / "reports" / "junit.xml").iter("testcase"))
    assert len(cases) == 33
    # every test of a board ran on the worker that held it
    workers: dict[str, set[str]] = {}
    for line in result.outlines:
        if "PASSED" in line and line.startswith("[gw"):
            worker = line.split("]")[0][1:]
            board = next(b for b in ("host-0", "host-1", "host-2") if b in line)
            workers.setdefault(board, set()).add(worker)
    assert workers and all(len(w) == 1 for w in workers.values()), workers
    assert not any(holder_of(p) for p in (farm_dir / ".tinyfarm" / "locks").glob("*.lock"))


def test_board_scope_from_node_ids() -> None:
    boards = ["emu-1", "emu-10", "nano33ble-emu"]
    assert board_scope("farm.toml::emu-10::kws::smoke", boards) == "emu-10"
    assert board_scope("tests/t.py::test_x[emu-1-kws]", boards) == "emu-1"
    assert board_scope("tests/t.py::test_x[nano33ble-emu]", boards) == "nano33ble-emu"
    assert board_scope("tests/t.py::test_plain", boards) is None


def test_lease_is_exclusive_across_processes_and_dies_with_its_holder(tmp_path: Path) -> None:
    board = BoardConfig(name="b1", backend="fake")
    code = (
        "import time; from pathlib import Path; from harness.boards.lease import BoardLease\n"
        "from harness.config.model import BoardConfig\n"
        "board = BoardConfig(name='b1', backend='fake')\n"
        f"lease = BoardLease(board, Path({str(tmp_path)!r}), {{'worker': 'gw7'}})\n"
        "lease.acquire(); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        info = holder_of(tmp_path / "b1.lock")
        assert info is not None and info["pid"] == holder.pid and info["worker"] == "gw7"
        with pytest.raises(BoardUnavailable, match=rf"b1 is busy: leased by pid {holder.pid} .*gw7"):
            BoardLease(board, tmp_path).acquire(timeout=0.3)
    finally:
        holder.kill()  # SIGKILL: the kernel drops the lock
        holder.wait()
    started = time.monotonic()
    lease = BoardLease(board, tmp_path).acquire(timeout=5)
    assert lease.held and time.monotonic() - started < 1
    assert holder_of(tmp_path / "b1.lock") is not None  # held by us now
    lease.release()
    assert holder_of(tmp_path / "b1.lock") is None


def test_farm_list_shows_a_leased_board_busy(pytester: pytest.Pytester, farm_dir: Path) -> None:
    from harness.boards.lease import lock_dir
    from harness.cli.verb_list import status
    from harness.config import load as configload
    from harness.run.runner import open_backend

    config = configload.load(farm_dir / "farm.toml")
    board = config.board("host-1")
    backend = open_backend(board, config.state / "work")
    assert status(backend, config.state)[0] == "present"
    with BoardLease(board, lock_dir(config.state), {"worker": "gw1"}):
        state, reason = status(backend, config.state)
    assert state == "busy" and "gw1" in reason
