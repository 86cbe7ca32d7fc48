"""A bounded libFuzzer run over the agent's C frame decoder and dispatcher (with the real engine)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

SEEDS = ["digits_mlp_int8", "digits_cnn_int8", "kws_ref_model"]


@pytest.mark.skipif(
    shutil.which("clang") is None, reason="clang not on PATH (scripts/setup clang installs it)"
)
def test_fuzz_agent_finds_no_crash() -> None:
    seeds = " ".join(str(FIXTURES / "models" / f"{name}.tflite") for name in SEEDS)
    done = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(ROOT / "firmware" / "tests" / "fuzz"),
            "run",
            "FUZZ_SECONDS=30",
            f"PYTHON={sys.executable}",
            f"SEED_MODELS={seeds}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    executed = re.search(r"stat::number_of_executed_units: (\d+)", done.stderr)
    assert executed and int(executed.group(1)) > 1000
