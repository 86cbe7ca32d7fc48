"""Float models (float32, not quantized) through `farm infer` on an emulated
Cortex-M4F whose agent is built hard-float for its FPU (QEMU mps2-an386),
against tflite_micro on the host.

Every float kernel is bit-identical to TFLM except where TFLM calls libm:
LOGISTIC, TANH, SOFTMAX and ELU use expf/tanhf/expm1f, which on the board are newlib's
(fdlibm algorithms, built with fused multiply-adds) and on the host glibc's,
so those models may differ by a few ULPs; the test bounds the difference and
prints what it measured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from harness.boards.engine_ops import model_ops
from harness.config.load import load
from harness.models.reference import Reference
from tests.conftest import FIXTURES, ROOT

BOARD = "nano33ble-emu"
LIBM_OPS = {"LOGISTIC", "TANH", "SOFTMAX", "ELU"}
MAX_ULP = 16  # libm ops only; measured at most 8 (an unrolled GRU: TANH and LOGISTIC chained)
SAMPLES = 24
# fixtures/float models with a batch of 1 (farm infer sends one sample at a time)
FLOAT_OPS = ("f_cnn_chain", "f_logistic", "f_tanh", "f_leaky_neg", "f_conv_groups", "f_dw_dil2_relu6",
             "f_avgpool_same_padded", "f_maxpool_same_s2_relu6", "f_mul_const_relu_n1", "f_sub_bcast5d",
             "f_add_same", "f_concat_pad_reshape", "f_hard_swish", "f_reduce_max_hw", "f_prelu_channels",
             "f_maximum_bcast", "f_abs_sqrt", "f_square_rsqrt_neg", "f_elu")  # fmt: skip
MODELS = [
    FIXTURES / "models" / "hello_world_float.tflite",  # TFLM's float example
    *sorted((FIXTURES / "keras").glob("*_float.tflite")),
    *(FIXTURES / "float" / f"{name}.tflite" for name in FLOAT_OPS),
]


def ulps(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> int:
    """Largest distance in units in the last place (-0.0 and 0.0 are 0 apart)."""

    def key(x: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        i = x.view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return int(np.abs(key(a) - key(b)).max(initial=0))


def samples(reference: Reference, seed: int) -> list[npt.NDArray[np.float32]]:
    rng = np.random.default_rng(seed)
    xs = []
    for spec in reference.inputs:
        x = (rng.standard_normal(size=(SAMPLES, *spec.shape[1:])) * 3).astype(np.float32)
        x[0], x[1], x[2], x[3] = 0.0, -0.0, 20.0, -20.0  # signed zeros, saturating logistic/tanh
        xs.append(x)
    return xs


def test_the_twin_is_built_for_its_fpu() -> None:
    assert load(ROOT / "farm.toml").board(BOARD).fpu == "fpv4-sp-d16"


@pytest.mark.parametrize("model", MODELS, ids=[m.stem for m in MODELS])
def test_float_model_on_the_board(model: Path, tmp_path: Path) -> None:
    reference = Reference(model)
    xs = samples(reference, len(model.stem))
    if len(xs) == 1:
        np.save(tmp_path / "in.npy", xs[0])
        input_file = tmp_path / "in.npy"
    else:
        np.savez(tmp_path / "in.npz", **{f"x{i}": x for i, x in enumerate(xs)})  # type: ignore[arg-type]
        input_file = tmp_path / "in.npz"
    out = tmp_path / ("out.npy" if len(reference.outputs) == 1 else "out.npz")
    cmd = [sys.executable, "-m", "harness.cli", "--farm", str(ROOT / "farm.toml"), "infer", BOARD]
    cmd += [str(model), str(input_file), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    saved = np.load(out)
    device = [saved] if isinstance(saved, np.ndarray) else [saved[f"y{i}"] for i in range(len(saved.files))]
    identical, worst = 0, 0
    for index in range(SAMPLES):
        expected = reference.run_many([x[index : index + 1] for x in xs])
        pairs = [(np.ascontiguousarray(g[index]).reshape(-1), np.ascontiguousarray(w).reshape(-1))
                 for g, w in zip(device, expected, strict=True)]  # fmt: skip
        identical += all(g.tobytes() == w.tobytes() for g, w in pairs)
        worst = max([worst, *(ulps(g, w) for g, w in pairs)])
    libm = {op.name for op in model_ops(model.read_bytes())} & LIBM_OPS
    print(f"{model.stem}: {identical}/{SAMPLES} bit-identical, max {worst} ULP, libm ops {sorted(libm)}")
    if libm:
        assert worst <= MAX_ULP
    else:
        assert identical == SAMPLES, f"max {worst} ULP"
