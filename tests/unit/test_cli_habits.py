"""`farm` as a command-line tool: version, where the farm file comes from, exit codes,
errors as JSON, start-up cost. Each test runs the real `farm` in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

BOARD = """
[[boards]]
name = "{name}"
backend = "fake"
"""
MODEL = """
[[models]]
name = "ad01"
path = "ad01_int8.tflite"
dataset = "ad01_random.npz"
task = "anomaly"
"""


def farm(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "TINYFARM_FARM"}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), environ.get("PYTHONPATH", "")])
    environ.update(env or {})
    command = [sys.executable, "-m", "harness.cli", *args]
    return subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout)


def write_farm(folder: Path, board: str | None, extra: str = "") -> Path:
    """A farm with the ad01 model and a `fake` board named `board` (None: no such board)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "models" / "ad01_int8.tflite", folder)
    shutil.copy(FIXTURES / "data" / "ad01_random.npz", folder)
    path = folder / "farm.toml"
    path.write_text((BOARD.format(name=board) if board else "") + MODEL + extra)
    return path


def listed(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stderr
    return [row["name"] for row in json.loads(done.stdout)]


def test_version_is_the_installed_package_version(tmp_path: Path) -> None:
    done = farm("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.split() == ["farm", "(tinyfarm)", version("tinyfarm")]


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_neither_numpy_nor_the_interpreter(tmp_path: Path, args: list[str]) -> None:
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "harness.cli", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "harness.cli" in imported
    heavy = {"numpy", "tflite_micro", "serial", "rich", "pytest", "harness.run", "harness.backends"}
    assert not heavy & imported


def test_farm_file_from_flag_after_or_before_the_verb_then_env_then_cwd(tmp_path: Path) -> None:
    write_farm(tmp_path, "from-cwd")
    before = write_farm(tmp_path / "a", "from-before")
    after = write_farm(tmp_path / "b", "from-after")
    env = write_farm(tmp_path / "c", "from-env")
    with_env = {"TINYFARM_FARM": str(env)}
    assert listed(farm("list", "--json", cwd=tmp_path)) == ["from-cwd"]
    assert listed(farm("list", "--json", cwd=tmp_path, env=with_env)) == ["from-env"]
    assert listed(farm("--farm", str(before), "list", "--json", cwd=tmp_path, env=with_env)) == [
        "from-before"
    ]
    both = farm("--farm", str(before), "list", "--json", "--farm", str(after), cwd=tmp_path, env=with_env)
    assert listed(both) == ["from-after"]


def test_config_and_usage_errors_exit_2_as_json_under_json(tmp_path: Path) -> None:
    write_farm(tmp_path, "b1", extra='\n[farm]\nnmae = "typo"\n')
    done = farm("list", "--json", cwd=tmp_path)
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["class"] == "config" and error["exit_code"] == 2
    assert "farm.nmae: unknown key" in error["message"]

    done = farm("list", "--json", "--bogus", cwd=tmp_path)
    assert done.returncode == 2 and json.loads(done.stdout)["error"]["class"] == "usage"

    done = farm("list", "--bogus", cwd=tmp_path)  # without --json: argparse's usage on stderr
    assert done.returncode == 2 and done.stdout == ""
    assert "usage: farm" in done.stderr and "unrecognized arguments: --bogus" in done.stderr

    done = farm("--json-typo", cwd=tmp_path)
    assert done.returncode == 2 and "usage: farm" in done.stderr

    good = write_farm(tmp_path / "good", "b1")
    done = farm("--farm", str(good), "bench", "no-such-board", "ad01", "--json", cwd=tmp_path)
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"] == {
        "class": "config",
        "message": f"no board 'no-such-board' in {good}; boards: b1",
        "exit_code": 2,
    }


def test_an_infrastructure_failure_exits_3_as_json_under_json(tmp_path: Path) -> None:
    """A board whose flashing tool fails: infrastructure, not a config mistake."""
    board = (
        '\n[[boards]]\nname = "rack-1"\nbackend = "command"\ntarget = "host"\n'
        'serial = { serial_number = "NOPE" }\nflash_command = ["false"]\nport_timeout = 0.2\n'
    )
    path = write_farm(tmp_path, "b1", extra=board)
    done = farm(
        "--farm", str(path), "bench", "rack-1", "ad01", "-n", "1", "--json", cwd=tmp_path, timeout=300
    )
    assert done.returncode == 3, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["class"] == "infrastructure" and error["exit_code"] == 3
    assert "rack-1" in error["message"]
    done = farm("--farm", str(path), "bench", "rack-1", "ad01", "-n", "1", cwd=tmp_path, timeout=300)
    assert done.returncode == 3 and done.stdout == "" and "error: " in done.stderr
