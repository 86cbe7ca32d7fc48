"""The gate with emulated boards: a missing emulator is an infrastructure error
with the install hint (not a skip), and a board too small for the agent is a
config error with the numbers, found before any emulator starts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

FARM = """
[farm]
name = "gate-emulated"

[[boards]]
name = "twin"
backend = "qemu"
machine = "mps2-an386"
{extra}

[[models]]
name = "ad01"
path = "ad01_int8.tflite"
dataset = "ad01_random.npz"
task = "anomaly"
samples = 2
"""


@pytest.fixture
def farm_dir(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "models" / "ad01_int8.tflite", tmp_path)
    shutil.copy(FIXTURES / "data" / "ad01_random.npz", tmp_path)
    return tmp_path


def run(farm_dir: Path, extra: str) -> subprocess.CompletedProcess[str]:
    (farm_dir / "farm.toml").write_text(FARM.format(extra=extra))
    cmd = [sys.executable, "-m", "pytest", "--farm", "farm.toml", "-p", "no:cacheprovider"]
    return subprocess.run(cmd, cwd=farm_dir, capture_output=True, text=True, timeout=600)


def test_a_missing_emulator_is_an_infrastructure_error_with_the_install_hint(farm_dir: Path) -> None:
    done = run(farm_dir, 'qemu = "qemu-system-arm-not-installed"')
    assert done.returncode == 3, done.stdout[-3000:]
    assert "qemu-system-arm-not-installed not found on PATH (apt-get install qemu-system-arm)" in done.stdout
    assert "nothing was tested" in done.stdout
    assert not (farm_dir / "reports" / "manifest.json").exists()
    (record,) = json.loads((farm_dir / "reports" / "results.json").read_text())["records"]
    assert record["verdict"] == "error" and record["error_class"] == "infrastructure"


def test_a_board_too_small_for_the_agent_is_a_config_error_before_any_emulator(farm_dir: Path) -> None:
    done = run(farm_dir, "ram_bytes = 4096\nflash_bytes = 1048576\nclock_hz = 25000000")
    assert done.returncode == 2, done.stdout[-3000:] + done.stderr[-3000:]
    text = done.stdout + done.stderr
    assert "board twin: ram_bytes: the agent does not fit: RAM short by" in text
    assert "(ram_bytes = 4,096)" in text
    assert "region" not in text  # the numbers, not the linker's log
    assert not list((farm_dir / ".tinyfarm").rglob("qemu.log"))  # no emulator was started
    assert not (farm_dir / "reports" / "manifest.json").exists()
