"""Stateful models and 16x8 quantization on the host engine, against TFLite Micro.

Stateful models (UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF) keep variable tensors
between inferences. Both ways of running them are compared with the
tflite_micro interpreter used the same way: `reset` (engine_reset_state()
before every input, Interpreter.reset() before every invoke) and `carry` (the
inputs are one sequence: neither side resets). Both kernel sets, ASan/UBSan.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import FIXTURES
from tests.unit.test_engine_host import ENGINE_TESTS, compare, engine_build, engine_run  # noqa: F401

RECURRENT = FIXTURES / "recurrent"
OPS16 = FIXTURES / "ops16"
TFLM_EXAMPLES = [
    "tflm_micro_speech_quantized",
    "tflm_trained_lstm_int8",
    "tflm_dtln_noise_suppression",
    "tflm_keyword_scrambled",
    "tflm_keyword_scrambled_8bit",
    "tflm_micro_speech_lstm",
]


@pytest.mark.parametrize("state", ["reset", "carry"])
def test_tflm_example_models_bit_exact_both_state_modes(engine_run: str, state: str) -> None:  # noqa: F811
    models = [str(RECURRENT / f"{name}.tflite") for name in TFLM_EXAMPLES]
    results = compare(engine_run, "--skip-malformed", "--inputs", "20", "--state", state, *models)
    assert len(results) == len(models)
    for result in results:
        assert result["bit_exact"] == result["inputs"] == 22, result
        assert result["arena_engine"] <= result["arena_tflm"], result


@pytest.mark.parametrize("state", ["reset", "carry"])
def test_hand_built_state_models_bit_exact(engine_run: str, state: str) -> None:  # noqa: F811
    """LSTM int8/16x8 (batch 2, time-major, cell clip) and SVDF (rank 2, int8 state)."""
    models = sorted(str(p) for p in RECURRENT.glob("state_*.tflite"))
    assert len(models) >= 10
    results = compare(engine_run, "--skip-malformed", "--inputs", "20", "--state", state, *models)
    for result in results:
        assert result["bit_exact"] == result["inputs"] == 22, result
        assert result["arena_engine"] <= result["arena_tflm"], result


def test_state_actually_carries(engine_run: str, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The same input twice: equal outputs after a reset, different ones when carried
    (so the two modes above are not the same test)."""
    import numpy as np

    model = RECURRENT / "tflm_trained_lstm_int8.tflite"
    x = np.random.default_rng(3).integers(-128, 128, size=(2, 28 * 28), dtype=np.int64).astype(np.int8)
    x[1] = x[0]
    (tmp_path / "in.bin").write_bytes(x.tobytes())
    outs = {}
    for mode, extra in (("carry", []), ("reset", ["--reset"])):
        done = subprocess.run(
            [engine_run, str(model), str(tmp_path / "in.bin"), str(tmp_path / "out.bin"), "--quiet", *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outs[mode] = (tmp_path / "out.bin").read_bytes()
    half = len(outs["reset"]) // 2
    assert outs["reset"][:half] == outs["reset"][half:]
    assert outs["carry"][:half] == outs["reset"][:half]
    assert outs["carry"][half:] != outs["carry"][:half]


def test_16x8_models_bit_exact(engine_run: str) -> None:  # noqa: F811
    """Converter 16x8 models (dense, conv, depthwise, add/sub/mul, softmax/sigmoid/tanh heads),
    hand-built 16x8 single ops, and a sample of TFLM's seanet 16x8 models."""
    models = sorted(str(p) for p in OPS16.rglob("*.tflite"))
    assert len(models) >= 20
    results = compare(engine_run, "--skip-malformed", "--inputs", "20", *models)
    for result in results:
        assert result["bit_exact"] == result["inputs"] == 22, result
        assert result["arena_engine"] <= result["arena_tflm"], result


def test_stateful_models_reject_malformed_variants(engine_run: str) -> None:  # noqa: F811
    models = [str(RECURRENT / f"{n}.tflite") for n in ("tflm_keyword_scrambled", "state_lstm_16x8_b2_clip")]
    results = compare(engine_run, "--inputs", "3", "--mutate-iters", "600", *models)
    for result in results:
        assert all(case["ok"] for case in result["malformed"].values()), result["malformed"]


def test_state_fixtures_match_generator(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The committed hand-built fixtures are what gen_state_cases.py builds (seed 57)."""
    done = subprocess.run(
        [sys.executable, str(ENGINE_TESTS / "gen_state_cases.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for p in tmp_path.glob("*.tflite"):
        folder = RECURRENT if p.name.startswith("state_") else OPS16
        assert (folder / p.name).read_bytes() == p.read_bytes(), p.name
