"""Datasets are checked against their model before any board is touched."""

from __future__ import annotations

import numpy as np
import pytest

from harness.config import load as configload
from harness.errors import ConfigError
from harness.models.prepare import prepare, quantize, stratified_subset
from harness.models.reference import TensorSpec

FARM = """
[[boards]]
name = "b"
backend = "fake"

[[models]]
name = "digits"
path = "models/digits_mlp_int8.tflite"
dataset = "data/{data}"
{budget}
"""


def test_quantize_rounds_and_clips() -> None:
    spec = TensorSpec((1, 3), np.dtype(np.int8), 0.5, -10)
    q = quantize(np.array([[0.0, 1.26, 1000.0]], dtype=np.float32), spec)
    assert q.tolist() == [[-10, -7, 127]]


def test_stratified_subset_keeps_every_label() -> None:
    labels = np.repeat(np.arange(10), 36)
    keep = stratified_subset(labels, 50, len(labels))
    assert set(labels[keep]) == set(range(10))
    assert 40 <= len(keep) <= 60


def test_shape_mismatch_is_a_config_error(write_farm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_farm(FARM.format(data="bad.npz", budget=""), ("models/digits_mlp_int8.tflite",))
    (tmp_path / "data").mkdir()
    np.savez(tmp_path / "data" / "bad.npz", x=np.zeros((4, 63), np.float32), y=np.zeros(4))
    config = configload.load(path)
    with pytest.raises(ConfigError) as info:
        prepare(config, config.models[0], smoke=False)
    assert info.value.key == "models[0].dataset" and "(N, 64)" in str(info.value)


def test_accuracy_budget_needs_labels(write_farm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = FARM.format(data="nolabels.npz", budget="[budgets.digits]\naccuracy_min = 0.5")
    path = write_farm(text, ("models/digits_mlp_int8.tflite",))
    (tmp_path / "data").mkdir()
    np.savez(tmp_path / "data" / "nolabels.npz", x=np.zeros((4, 64), np.float32))
    config = configload.load(path)
    with pytest.raises(ConfigError, match="no labels"):
        prepare(config, config.models[0], smoke=False)


def test_corrupt_model_and_dataset_are_config_errors(write_farm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_farm(FARM.format(data="digits.npz", budget=""), ("models/digits_mlp_int8.tflite",))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "digits.npz").write_bytes(b"PK\x03\x04 not really a zip")
    config = configload.load(path)
    with pytest.raises(ConfigError) as info:
        prepare(config, config.models[0], smoke=False)
    assert info.value.key == "models[0].dataset" and "cannot read digits.npz" in str(info.value)

    model = tmp_path / "models" / "digits_mlp_int8.tflite"
    model.write_bytes(model.read_bytes()[:300])  # truncated
    np.savez(tmp_path / "data" / "digits.npz", x=np.zeros((4, 64), np.float32))
    with pytest.raises(ConfigError) as info:
        prepare(config, config.models[0], smoke=False)
    assert info.value.key == "models[0].path" and "not a model TFLite Micro can load" in str(info.value)
