"""The int8 engine compiled for the host: bit-exact with TFLite Micro, robust, fuzzed.

compare_tflm.py runs 50 seeded random inputs plus all -128 and all 127
through the engine (ASan + UBSan build) and through tflite_micro's
interpreter, and feeds the engine thousands of truncated and corrupted
variants of each model. Both kernel sets are checked: engine_run (portable
reference kernels) and engine_run_opt (the Armv7E-M kernels, their DSP
instructions emulated in C).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

ENGINE_TESTS = ROOT / "firmware" / "tests" / "engine"
MLPERF = ["kws_ref_model", "pretrainedResnet_quant", "ad01_int8", "str_ww_ref_model"]


@pytest.fixture(scope="module")
def engine_build() -> None:
    done = subprocess.run(
        ["make", "-s", "-C", str(ENGINE_TESTS)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(params=["engine_run", "engine_run_opt"])
def engine_run(request: pytest.FixtureRequest, engine_build: None) -> str:
    return str(ENGINE_TESTS / "build" / request.param)


def compare(engine_run: str, *args: str) -> list[dict]:  # type: ignore[type-arg]
    cmd = [sys.executable, str(ENGINE_TESTS / "compare_tflm.py"), "--engine-run", engine_run, "--json", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])  # the last line is the JSON summary
    assert report["ok"]
    return list(report["models"].values())


def test_mlperf_models_bit_exact_with_smaller_arena(engine_run: str) -> None:
    models = [str(FIXTURES / "models" / f"{name}.tflite") for name in MLPERF]
    results = compare(engine_run, *models)
    assert len(results) == 4
    for result in results:
        assert result["bit_exact"] == result["inputs"] == 52, result
        assert result["arena_engine"] < result["arena_tflm"], result
        assert all(case["ok"] for case in result["malformed"].values()), result["malformed"]


def test_single_op_models_nobody_trained(engine_run: str) -> None:
    results = compare(engine_run, "--synthetic", "--skip-malformed")
    assert len(results) >= 10
    for result in results:
        assert result["bit_exact"] == result["inputs"], result


@pytest.mark.skipif(
    shutil.which("clang") is None, reason="clang not on PATH (scripts/setup clang installs it)"
)
def test_fuzz_loader_finds_no_crash() -> None:
    done = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(ENGINE_TESTS),
            "fuzz",
            "FUZZ_SECONDS=30",
            f"MODELS_DIR={FIXTURES / 'models'}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "stat::number_of_executed_units" in done.stderr
