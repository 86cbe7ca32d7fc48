"""A farm run killed with SIGKILL halfway keeps every sample it measured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.config import load as configload
from harness.run.farm import Farm
from tests.conftest import FIXTURES, ROOT

DIGITS = FIXTURES / "models" / "digits_mlp_int8.tflite"


def emulators_of(folder: Path) -> list[int]:
    """Pids of QEMU processes whose command line names a file under folder."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "qemu-system" in cmdline and str(folder) in cmdline:
            pids.append(int(proc.name))
    return pids


FARM = """
[[boards]]
name = "emu-1"
backend = "qemu"
machine = "mps2-an386"

[[models]]
name = "digits"
path = "{model}"
dataset = "{data}"
"""


def test_sigkill_halfway_loses_nothing_measured(tmp_path: Path) -> None:
    farm_toml = tmp_path / "farm.toml"
    farm_toml.write_text(FARM.format(model=DIGITS, data=FIXTURES / "data" / "digits_test.npz"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "harness.cli", "--farm", str(farm_toml), "run"]
    child = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    journal_dir = tmp_path / ".tinyfarm" / "work" / "emu-1"  # the state folder
    deadline = time.monotonic() + 120
    measured = 0
    while time.monotonic() < deadline and measured < 100:
        journals = list(journal_dir.glob("digits-*.jsonl"))
        measured = journals[0].read_text().count('"sample"') if journals else 0
        time.sleep(0.01)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    # The emulator it started dies with it (PR_SET_PDEATHSIG), not orphaned.
    deadline = time.monotonic() + 5
    while emulators_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emulators_of(tmp_path) == []
    lines = journals[0].read_text().splitlines()
    kept = [line for line in lines if '"sample"' in line]
    assert 100 <= len(kept) < 360 and "complete" not in lines[-1]

    config = configload.load(farm_toml)
    record = Farm(config).run("emu-1", "digits")
    assert record.verdict == "pass"
    assert record.metrics["resumed_samples"] >= len(kept) - 1  # the last line may have been cut
    assert record.metrics["samples"] == 360
