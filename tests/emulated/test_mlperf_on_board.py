"""The four MLPerf Tiny models on an emulated Cortex-M4, through `farm infer`:
50 seeded random inputs plus all -128 and all 127, bit-identical to TFLite Micro."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.reference import Reference
from tests.conftest import FIXTURES, ROOT

CASES = {
    "kws_ref_model": "kws_random",
    "pretrainedResnet_quant": "resnet_random",
    "ad01_int8": "ad01_random",
    "str_ww_ref_model": "str_ww_random",
}


@pytest.mark.parametrize("model", list(CASES))
def test_farm_infer_bit_identical(model: str, tmp_path: Path) -> None:
    inputs = np.load(FIXTURES / "data" / f"{CASES[model]}.npz")["x"]
    assert len(inputs) == 52 and (inputs[-2] == -128).all() and (inputs[-1] == 127).all()
    np.save(tmp_path / "in.npy", inputs)
    path = FIXTURES / "models" / f"{model}.tflite"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "--farm",
            str(ROOT / "farm.toml"),
            "infer",
            "nano33ble-emu",
            str(path),
            str(tmp_path / "in.npy"),
            "--out",
            str(tmp_path / "out.npy"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    device = np.load(tmp_path / "out.npy")
    reference = Reference(path)
    expected = np.stack([reference.run(x) for x in inputs])
    assert device.shape == expected.shape
    mismatched = [i for i in range(len(inputs)) if not np.array_equal(device[i], expected[i])]
    assert mismatched == []
