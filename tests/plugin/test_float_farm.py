"""A float32 model (not quantized) through `pytest --farm` on the host agent: the
float kernels run, agreement compares float outputs within farm.toml's
`agreement_atol`, and an impossible tolerance is a config error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import tflite_micro  # noqa: F401 - imported once: pytester restores sys.modules, and its C types register only once

from harness.models.reference import Reference
from tests.conftest import FIXTURES

MODEL = FIXTURES / "keras" / "keras_mlp_float.tflite"
FARM = """
[[boards]]
name = "host-1"
backend = "fake"

[[models]]
name = "mlp"
path = "mlp.tflite"
dataset = "mlp.npz"
{atol}

[budgets.mlp]
agreement_min = 1.0
max_abs_diff_max = {max_diff}
accuracy_min = 0.0
"""


@pytest.fixture
def farm_dir(pytester: pytest.Pytester) -> Path:
    shutil.copy(MODEL, pytester.path / "mlp.tflite")
    reference = Reference(MODEL)
    x = np.random.default_rng(3).standard_normal((16, 64)).astype(np.float32)
    y = np.array([int(np.argmax(reference.run_many([x[i : i + 1]])[0])) for i in range(len(x))])
    np.savez(pytester.path / "mlp.npz", x=x, y=y)
    return pytester.path


def run(pytester: pytest.Pytester, atol: str, max_diff: str = "0.0") -> pytest.RunResult:
    pytester.makefile(".toml", farm=FARM.format(atol=atol, max_diff=max_diff))
    return pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")


@pytest.mark.parametrize("atol", ["", "agreement_atol = 1e-6"])
def test_float_model_agrees_with_tflm(pytester: pytest.Pytester, farm_dir: Path, atol: str) -> None:
    result = run(pytester, atol)
    result.assert_outcomes(passed=5)
    record = json.loads((farm_dir / "reports" / "results.json").read_text())["records"][0]
    metrics = record["metrics"]
    assert metrics["agreement"] == 1.0 and metrics["max_abs_diff"] == 0.0  # the host agent: bit for bit
    assert metrics["accuracy"] == 1.0  # labels are TFLM's own top-1
    assert metrics.get("agreement_atol") == (1e-6 if atol else None)


def test_negative_tolerance_is_a_config_error(pytester: pytest.Pytester, farm_dir: Path) -> None:
    result = run(pytester, "agreement_atol = -0.5")
    assert result.ret == 2
    assert "agreement_atol" in result.stdout.str() + result.stderr.str()
