"""Stateful (LSTM, SVDF) and 16x8 models through `farm infer` on an emulated
Cortex-M4, against tflite_micro used the same way: bit for bit.

By default every input starts from a reset state (Reference resets the
interpreter before each invoke); `--carry-state` runs the inputs as one
sequence (Reference(carry_state=True): one interpreter, never reset)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.models.reference import Reference
from tests.conftest import FIXTURES
from tests.emulated.test_user_models_on_board import infer, random_samples

RECURRENT = FIXTURES / "recurrent"
MODELS = sorted(RECURRENT.glob("*.tflite")) + sorted((FIXTURES / "ops16").rglob("*.tflite"))
INPUTS = 20


def run_on_board(model: Path, x: np.ndarray, tmp_path: Path, *flags: str) -> np.ndarray:
    np.save(tmp_path / "in.npy", x)
    done = infer(model, tmp_path / "in.npy", tmp_path / "out.npy", *flags)
    assert done.returncode == 0, done.stderr[-3000:]
    return np.asarray(np.load(tmp_path / "out.npy"))


@pytest.mark.parametrize("model", MODELS, ids=[m.stem for m in MODELS])
def test_model_bit_exact_on_the_board(model: Path, tmp_path: Path) -> None:
    reference = Reference(model)
    spec = reference.inputs[0]
    if len(reference.inputs) != 1 or spec.dtype.kind != "i" or spec.shape[0] != 1:
        pytest.skip("one integer input of batch 1 per sample here (the others run on the host)")
    (x,) = random_samples(reference, INPUTS, seed=len(model.stem))
    device = run_on_board(model, x, tmp_path)
    for index in range(INPUTS):
        want = reference.run(x[index : index + 1])
        np.testing.assert_array_equal(device[index].reshape(want.shape), want)


@pytest.mark.parametrize("name", ["tflm_trained_lstm_int8", "state_svdf_int16_rank1", "state_lstm_16x8_b1"])
def test_state_carried_and_reset_match_tflite_micro(name: str, tmp_path: Path) -> None:
    model = RECURRENT / f"{name}.tflite"
    (x,) = random_samples(Reference(model), INPUTS, seed=7)
    carried = run_on_board(model, x, tmp_path, "--carry-state")
    reset = run_on_board(model, x, tmp_path, "--reset-state")
    sequence = Reference(model, carry_state=True)
    independent = Reference(model)
    for index in range(INPUTS):
        want_carry = sequence.run(x[index : index + 1])
        want_reset = independent.run(x[index : index + 1])
        np.testing.assert_array_equal(carried[index].reshape(want_carry.shape), want_carry)
        np.testing.assert_array_equal(reset[index].reshape(want_reset.shape), want_reset)
    assert not np.array_equal(carried, reset)  # the state did carry
