"""A model with two inputs and two outputs through `pytest --farm`: the dataset
holds x0 and x1, accuracy judges the output farm.toml names, agreement every output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import tflite_micro  # noqa: F401 - imported once: pytester restores sys.modules, and its C types register only once

from harness.models.reference import Reference
from tests.conftest import FIXTURES

MODEL = FIXTURES / "keras" / "keras_two_in_two_out.tflite"
FARM = """
[[boards]]
name = "host-1"
backend = "fake"

[[models]]
name = "two"
path = "two.tflite"
dataset = "two.npz"
output = {output}

[budgets.two]
agreement_min = 1.0
accuracy_min = 0.0
"""


@pytest.mark.parametrize("output", [0, 1])
def test_two_inputs_two_outputs(pytester: pytest.Pytester, output: int) -> None:
    shutil.copy(MODEL, pytester.path / "two.tflite")
    reference = Reference(MODEL)
    rng = np.random.default_rng(5)
    xs = [rng.integers(-128, 128, size=(12, *s.shape[1:]), dtype=np.int8) for s in reference.inputs]
    classes = int(reference.outputs[output].shape[-1])
    y = np.array([int(np.argmax(reference.run_many([x[i : i + 1] for x in xs])[output])) for i in range(12)])
    np.savez(pytester.path / "two.npz", x0=xs[0], x1=xs[1], y=y % classes)
    pytester.makefile(".toml", farm=FARM.format(output=output))
    result = pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    record = json.loads(Path(pytester.path / "reports" / "results.json").read_text())["records"][0]
    assert record["metrics"]["agreement"] == 1.0
    assert record["metrics"]["accuracy"] == 1.0  # labels are the reference's own top-1 of that output


def test_a_missing_input_array_is_named(pytester: pytest.Pytester) -> None:
    shutil.copy(MODEL, pytester.path / "two.tflite")
    np.savez(pytester.path / "two.npz", x0=np.zeros((2, 4), np.int8))
    pytester.makefile(".toml", farm=FARM.format(output=0).replace("accuracy_min = 0.0\n", ""))
    result = pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")
    assert result.ret == 2
    assert "two.npz has no array 'x1'" in result.stderr.str() + result.stdout.str()
