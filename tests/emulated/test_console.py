"""`farm console` driven in a pseudo-terminal, as a person at a shell would."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES, ROOT

pexpect = pytest.importorskip("pexpect")

BOARDS = {
    "fake": 'backend = "fake"',
    "qemu": 'backend = "qemu"\nmachine = "mps2-an386"',
}


@pytest.mark.parametrize("kind", sorted(BOARDS))
def test_console_types_resets_reflashes_and_restores_the_terminal(tmp_path: Path, kind: str) -> None:
    shutil.copy(FIXTURES / "models" / "ad01_int8.tflite", tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((1, 640), np.int8))
    (tmp_path / "farm.toml").write_text(
        f'[farm]\nname = "console"\n\n[[boards]]\nname = "b1"\n{BOARDS[kind]}\n\n'
        '[[models]]\nname = "ad01"\npath = "ad01_int8.tflite"\n'
    )
    env = {**os.environ, "PS1": "shell$ ", "TERM": "xterm", "PYTHONPATH": str(ROOT)}
    child = pexpect.spawn(
        "bash", ["--norc", "--noprofile"], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=90
    )
    try:
        child.expect_exact("shell$ ")
        child.sendline(f"{sys.executable} -m harness.cli console b1 --model ad01")
        child.expect(r"\[b1\] agent \S+ build \w+ at [\d.]+ MHz, model \(1, 640\)->\(1, 640\)")
        child.expect_exact("farm> ")
        child.send("echo hello board\r")  # typed, sent as ECHO, answered by the agent
        child.expect_exact("echo: hello board")
        child.send("infer x.npy\r")
        child.expect(r"output \[-?\d+, ")
        child.send("stats\r")
        child.expect(r"arena_used \d+")
        child.send("\x1dr")  # Ctrl-] r: reset, then the agent answers HELLO again
        child.expect_exact("[b1] reset")
        child.expect(r"\[b1\] agent \S+ build")
        child.send("hello\r")
        child.expect(r"board b1 port \S+")
        child.send("\x1df")  # Ctrl-] f: reflash
        child.expect_exact("[b1] reflash")
        child.expect(r"\[b1\] agent \S+ build")
        child.send("\x1dq")  # Ctrl-] q: back to the shell
        child.expect_exact("b1: console closed")
        child.expect_exact("shell$ ")
        child.sendline(
            "echo status=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e -echo -e icanon -e echo"
        )
        child.expect(r"status=0\s+icanon\s+echo\s")  # the terminal is as the shell left it
        child.expect_exact("shell$ ")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
