"""The wheel is the product: built from this checkout, installed into a fresh
virtual environment, it runs a farm from a folder that holds only a farm.toml,
a model, a dataset and one test of the user's own, with QEMU."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, has_tools

pytestmark = pytest.mark.skipif(
    not has_tools("qemu-system-arm", "arm-none-eabi-gcc", "make"),
    reason="needs QEMU and the Arm cross compiler",
)

FARM = """
[farm]
name = "my-project"

[[boards]]
name = "nano-twin"
backend = "qemu"
profile = "nano33ble"

[[models]]
name = "digits"
path = "models/digits.tflite"
dataset = "data/digits.npz"
samples = 40

[budgets.digits]
accuracy_min = 0.85
agreement_min = 1.0
"""

USER_TEST = """
import numpy as np


def test_edge_values_match_tflite_micro(agent, reference):
    for value in (-128, 0, 127):
        x = np.full(reference.input.shape[1:], value, dtype=np.int8)
        np.testing.assert_array_equal(agent.infer(x), reference.run(x[None]))
"""


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    built = run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(ROOT)], timeout=600
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = work.glob("tinyfarm-*.whl")
    venv = work / "venv"
    assert run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    done = run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def test_a_farm_and_a_user_test_run_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "data").mkdir()
    (project / "tests").mkdir()
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", project / "models" / "digits.tflite")
    shutil.copy(FIXTURES / "data" / "digits_test.npz", project / "data" / "digits.npz")
    (project / "farm.toml").write_text(FARM)
    (project / "tests" / "test_mine.py").write_text(textwrap.dedent(USER_TEST))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TINYFARM_BUILD_DIR")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    pytest_bin = installed / "bin" / "pytest"
    done = run(
        [str(pytest_bin), "--farm", "farm.toml", "tests/", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        timeout=900,
    )
    print(done.stdout[-4000:])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "6 passed" in done.stdout  # smoke, accuracy, agreement, latency, memory + the user's test
    results = json.loads((project / "reports" / "results.json").read_text())
    assert results["status"] == "complete" and results["records"][0]["verdict"] == "pass"
    assert (project / "reports" / "manifest.json").exists()
    names = {c.get("name") for c in ET.parse(project / "reports" / "junit.xml").iter("testcase")}
    assert any(n and n.startswith("test_edge_values_match_tflite_micro") for n in names)
    # the agent was built from the wheel's own sources, into the user's cache, never site-packages
    assert list((tmp_path / "cache" / "tinyfarm" / "firmware").glob("*/agent.elf"))
    site = next((installed / "lib").glob("python3*/site-packages"))
    assert (site / "harness" / "_data" / "firmware" / "Makefile").is_file()
    assert not list((site / "harness" / "_data" / "firmware").rglob("*.o"))
    version = run([str(installed / "bin" / "farm"), "--help"])
    assert version.returncode == 0
