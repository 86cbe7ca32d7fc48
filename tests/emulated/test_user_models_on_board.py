"""Models users write with Keras (fixtures/keras, full-integer quantized by the
converter) through `farm infer` on an emulated Cortex-M4, against tflite_micro:
bit for bit, several inputs and outputs included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.models.reference import Reference
from tests.conftest import FIXTURES, ROOT
from tests.unit.test_engine_ops import tiny_model

KERAS = sorted(p for p in (FIXTURES / "keras").glob("*.tflite") if not p.stem.endswith("_float"))  # int8 ones
BOARD = "nano33ble-emu"


def infer(model: Path, input_file: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "harness.cli", "--farm", str(ROOT / "farm.toml"), "infer", BOARD]
    cmd += [str(model), str(input_file), "--out", str(out), *flags]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)


def random_samples(reference: Reference, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    samples = []
    for spec in reference.inputs:
        info = np.iinfo(spec.dtype)
        batch = rng.integers(info.min, info.max + 1, size=(count, *spec.shape[1:]), dtype=spec.dtype)
        batch[0] = info.min  # the edge values
        batch[1] = info.max
        samples.append(batch)
    return samples


@pytest.mark.parametrize("model", KERAS, ids=[m.stem for m in KERAS])
def test_keras_model_bit_exact_on_the_board(model: Path, tmp_path: Path) -> None:
    reference = Reference(model)
    xs = random_samples(reference, 6, seed=len(model.stem))
    if len(xs) == 1:
        np.save(tmp_path / "in.npy", xs[0])
        input_file, out = tmp_path / "in.npy", tmp_path / "out.npy"
    else:
        np.savez(tmp_path / "in.npz", **{f"x{i}": x for i, x in enumerate(xs)})  # type: ignore[arg-type]
        input_file, out = tmp_path / "in.npz", tmp_path / "out.npz"
    done = infer(model, input_file, out)
    assert done.returncode == 0, done.stderr[-3000:]
    saved = np.load(out)
    device = [saved] if isinstance(saved, np.ndarray) else [saved[f"y{i}"] for i in range(len(saved.files))]
    assert len(device) == len(reference.outputs)
    for index in range(len(xs[0])):
        expected = reference.run_many([x[index : index + 1] for x in xs])
        for got, want in zip(device, expected, strict=True):
            np.testing.assert_array_equal(got[index].reshape(want.shape), want)


def test_a_model_tflite_micro_cannot_load_is_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "npu.tflite"
    model.write_bytes(tiny_model([(32, "ethos-u")]))
    np.save(tmp_path / "in.npy", np.zeros((1, 4), np.int8))
    done = infer(model, tmp_path / "in.npy", tmp_path / "out.npy")
    assert done.returncode != 0
    assert "operator 0: custom op 'ethos-u'" in done.stderr
    assert "Traceback" not in done.stderr
