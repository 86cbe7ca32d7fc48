"""`pytest --farm farm.toml --farm-board NAME --pdb` stops in the failing check with a live agent."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

pexpect = pytest.importorskip("pexpect")

FARM = """
[farm]
name = "pdb-test"

[[boards]]
name = "host-1"
backend = "fake"

[[boards]]
name = "host-2"
backend = "fake"

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 10

[budgets.digits]
latency_p95_ms = 0.000001
"""


def test_pdb_stops_in_the_failing_check_with_a_live_agent(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", tmp_path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", tmp_path)
    (tmp_path / "farm.toml").write_text(FARM)
    args = [
        "-m",
        "pytest",
        "--farm",
        "farm.toml",
        "--farm-board",
        "host-1",
        "--pdb",
        "-p",
        "no:cacheprovider",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    child = pexpect.spawn(sys.executable, args, cwd=str(tmp_path), env=env, encoding="utf-8", timeout=120)
    try:
        child.expect_exact("latency_p95_ms: MISSED")
        child.expect_exact("(Pdb) ")
        child.sendline("p self.board.name, self.model, self.check")
        child.expect_exact("('host-1', 'digits', 'latency')")
        child.sendline("p self.agent.echo(b'poke')")  # flashed, loaded and answering
        child.expect_exact("b'poke'")
        child.sendline("p self.agent.stats().arena_used > 0")
        child.expect_exact("True")
        child.sendline("c")
        child.expect(r"1 failed, 4 passed")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
