"""The four MLPerf Tiny models on an emulated Cortex-M4, through `farm infer`:
50 seeded random inputs plus all -128 and all 127, bit-identical to TFLite Micro."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.models.reference import Reference
from tests.conftest import FIXTURES
from tests.emulated.farm_infer import farm_infer

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
    path = FIXTURES / "models" / f"{model}.tflite"
    device = farm_infer("nano33ble-emu", path, inputs, tmp_path)
    reference = Reference(path)
    expected = np.stack([reference.run(x) for x in inputs])
    assert device.shape == expected.shape
    mismatched = [i for i in range(len(inputs)) if not np.array_equal(device[i], expected[i])]
    assert mismatched == []
