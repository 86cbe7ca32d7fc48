"""Run `farm infer` as a user would (a child process) and read what it saved."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.conftest import ROOT


def farm_infer(board: str, model: Path, inputs: np.ndarray, folder: Path) -> np.ndarray:
    """`farm infer BOARD MODEL in.npy --out out.npy` on the default farm; the outputs."""
    np.save(folder / "in.npy", inputs)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "--farm",
            str(ROOT / "farm.toml"),
            "infer",
            board,
            str(model),
            str(folder / "in.npy"),
            "--out",
            str(folder / "out.npy"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return np.load(folder / "out.npy")
