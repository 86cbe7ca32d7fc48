"""`farm bench` on the host build, and the verbs' respect for a board another process leases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from harness.boards.lease import BoardLease, lock_dir
from harness.cli import main
from harness.config import load as configload
from tests.conftest import FIXTURES

FARM = """
[farm]
name = "by-hand"

[[boards]]
name = "host-1"
backend = "fake"

[[models]]
name = "ad01"
path = "ad01_int8.tflite"
dataset = "ad01_random.npz"
task = "anomaly"
"""


@pytest.fixture
def farm_file(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "models" / "ad01_int8.tflite", tmp_path)
    shutil.copy(FIXTURES / "data" / "ad01_random.npz", tmp_path)
    (tmp_path / "farm.toml").write_text(FARM)
    return tmp_path / "farm.toml"


def test_bench_reports_distribution_and_throughput(
    farm_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--farm", str(farm_file), "bench", "host-1", "ad01", "-n", "12", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["n"] == 12 and stats["latency_kind"] == "host-wallclock"
    assert 0 < stats["device_p50_ms"] <= stats["device_p95_ms"] <= stats["device_max_ms"]
    assert stats["host_p50_ms"] > 0 and stats["inferences_per_s"] > 0
    assert stats["link_bytes_written"] > 12 * 640  # twelve 640-byte inputs at least


def test_verbs_wait_for_a_leased_board_then_name_the_holder(
    farm_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import harness.boards.lease

    monkeypatch.setattr(harness.boards.lease, "LEASE_WAIT_S", 0.3)
    monkeypatch.setattr("harness.cli.verb_infer.LEASE_WAIT_S", 0.3)
    config = configload.load(farm_file)
    np.save(tmp_path / "x.npy", np.zeros((1, 640), np.int8))
    with BoardLease(config.board("host-1"), lock_dir(config.state), {"worker": "gw3"}):
        code = main(["--farm", str(farm_file), "infer", "host-1", "ad01", str(tmp_path / "x.npy")])
    assert code == 3  # a busy board is infrastructure, not a config mistake
    assert "host-1 is busy: leased by pid" in capsys.readouterr().err
    assert main(["--farm", str(farm_file), "infer", "host-1", "ad01", str(tmp_path / "x.npy")]) == 0
