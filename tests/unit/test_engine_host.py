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
    # The loader is the same in both builds: its corrupted-model sweep runs once.
    optimized = engine_run.endswith("_opt")
    results = compare(engine_run, *(["--skip-malformed"] if optimized else []), *models)
    assert len(results) == 4
    for result in results:
        assert result["bit_exact"] == result["inputs"] == 52, result
        assert result["arena_engine"] < result["arena_tflm"], result
        if not optimized:
            assert all(case["ok"] for case in result["malformed"].values()), result["malformed"]


def test_generated_op_fixtures_bit_exact(engine_run: str) -> None:
    """fixtures/ops: gen_op_models.py sweeps (every supported op, edge zero points,
    broadcasting, axes, multi-input/output, the optimized kernels' edge shapes; the
    generator test below keeps them what the generator builds); every output bit for bit."""
    models = sorted(str(p) for p in (FIXTURES / "ops").glob("*.tflite"))
    assert len(models) >= 150
    results = compare(engine_run, "--skip-malformed", "--inputs", "10", *models)
    assert len(results) == len(models)
    for result in results:
        assert result["engine_status"] == 0, result
        assert result["bit_exact"] == result["inputs"] == 12, result


def test_generated_op_fixtures_match_generator(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The committed fixtures are what gen_op_models.py builds (seed 99)."""
    sys.path.insert(0, str(ENGINE_TESTS))
    import gen_op_models  # type: ignore

    fresh = {p.name: p.read_bytes() for p in gen_op_models.generate(tmp_path, 99)}
    committed = {p.name: p.read_bytes() for p in (FIXTURES / "ops").glob("*.tflite")}
    assert fresh == committed


def test_float_op_fixtures_bit_exact(engine_run: str) -> None:
    """fixtures/float: the float kernels (every op, fused activation, broadcasting, axes)
    bit for bit against TFLM on the host (same libm for LOGISTIC/TANH/SOFTMAX); arena
    no larger than TFLM's."""
    models = sorted(str(p) for p in (FIXTURES / "float").glob("*.tflite"))
    assert len(models) >= 30
    results = compare(engine_run, "--skip-malformed", "--inputs", "20", *models)
    assert len(results) == len(models)
    for result in results:
        assert result["engine_status"] == 0, result
        assert result["bit_exact"] == result["inputs"] == 22 and result["max_ulp"] == 0, result
        assert result["arena_engine"] <= result["arena_tflm"], result


def test_float_fixtures_match_generator(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The committed fixtures/float are what gen_float_models.py builds (seed 99)."""
    sys.path.insert(0, str(ENGINE_TESTS))
    import gen_float_models  # type: ignore

    fresh = {p.name: p.read_bytes() for p in gen_float_models.generate(tmp_path, 99)}
    committed = {p.name: p.read_bytes() for p in (FIXTURES / "float").glob("*.tflite")}
    assert fresh == committed


def test_tflm_hello_world_float(engine_run: str) -> None:
    """TFLM's own float example model: bit for bit, smaller arena, malformed variants
    rejected."""
    (result,) = compare(
        engine_run, "--mutate-iters", "500", str(FIXTURES / "models" / "hello_world_float.tflite")
    )
    assert result["bit_exact"] == result["inputs"] == 52 and result["max_ulp"] == 0, result
    assert result["arena_engine"] < result["arena_tflm"], result
    assert all(case["ok"] for case in result["malformed"].values()), result["malformed"]


def test_keras_models_bit_exact(engine_run: str) -> None:
    """fixtures/keras: converter output of typical Keras models (GAP head, dynamic-batch
    Flatten, sigmoid/tanh, gated branches, ZeroPadding2D, Conv1D incl. dilated,
    unrolled GRU/LSTM, two inputs and two outputs), int8 and float (*_float: not
    quantized); arena no larger than TFLM's."""
    models = sorted(str(p) for p in (FIXTURES / "keras").glob("*.tflite"))
    assert len(models) >= 10
    results = compare(engine_run, "--skip-malformed", *models)
    for result in results:
        assert result["bit_exact"] == result["inputs"] == 52, result
        assert result["arena_engine"] <= result["arena_tflm"], result


def test_multi_io_models_reject_malformed_variants(engine_run: str) -> None:
    models = [
        str(FIXTURES / "keras" / "keras_two_in_two_out.tflite"),
        str(FIXTURES / "ops" / "mv_split_v.tflite"),
    ]
    results = compare(engine_run, "--inputs", "4", "--mutate-iters", "300", *models)
    for result in results:
        assert all(case["ok"] for case in result["malformed"].values()), result["malformed"]


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
