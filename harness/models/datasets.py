"""Datasets as farm.toml names them: `.npz` files with `x` (or `x0`, `x1`, ...
for a model with several inputs) and optionally `y`, checked against the model
before any board starts, and quantized to its input types."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.config.model import ModelConfig
from harness.errors import ConfigError
from harness.models.reference import TensorSpec

SMOKE_SEED = 20261122


def sample_problem(x: npt.NDArray[Any], spec: TensorSpec) -> str | None:
    """Why these samples cannot be sent to a model with this input, or None.

    An integer array must already have the model's input dtype: it is sent
    verbatim (an int8 model takes int8 arrays as they are). Floats are
    quantized with the input's scale and zero point, so they must be finite.
    """
    if len(x) == 0:
        return f"the dataset holds no samples (x of shape {tuple(x.shape)})"
    if np.issubdtype(x.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))
        if len(bad):
            return f"{len(bad)} sample(s) hold NaN or infinite values (first: sample {int(bad[0])})"
        return None
    if x.dtype != spec.dtype:
        return (
            f"x is {x.dtype} but the model's input is {spec.dtype}: integer samples are sent verbatim, "
            f"so give {spec.dtype} values (already quantized) or floats (quantized with scale "
            f"{spec.scale:g}, zero point {spec.zero_point})"
        )
    return None


def label_problem(y: npt.NDArray[Any], task: str, classes: int) -> str | None:
    """Why these labels cannot be judged against the model's output, or None."""
    if task == "regression":
        return None
    whole = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.bool_)
    if not whole and (not np.all(np.isfinite(y)) or not np.all(np.equal(np.mod(y, 1), 0))):
        return f"labels (y) must be whole class numbers, got {y.dtype} values such as {y.flat[0]!r}"
    top = 1 if task == "anomaly" else classes - 1
    outside = np.flatnonzero((y < 0) | (y > top))
    if len(outside):
        first = int(outside[0])
        return f"{len(outside)} label(s) outside 0..{top} (first: y[{first}] = {y[first]!r}); " + (
            "anomaly labels are 0 (normal) or 1 (anomalous)"
            if task == "anomaly"
            else f"the model's output has {classes} classes"
        )
    return None


def quantize(x: npt.NDArray[Any], spec: TensorSpec) -> npt.NDArray[Any]:
    """Samples as the model's input dtype: integer arrays of that dtype verbatim, floats
    quantized as q = round(x / scale) + zero_point, clipped. Check sample_problem() first."""
    if x.dtype == spec.dtype:
        return x
    if spec.scale == 0.0 or not np.issubdtype(spec.dtype, np.integer):
        return x.astype(spec.dtype)
    info = np.iinfo(spec.dtype)
    q = np.round(x.astype(np.float64) / spec.scale) + spec.zero_point
    return np.clip(q, info.min, info.max).astype(spec.dtype)


def stratified_subset(labels: npt.NDArray[Any] | None, count: int, total: int) -> npt.NDArray[np.intp]:
    """Indices of about `count` samples with every label represented in proportion."""
    rng = np.random.default_rng(SMOKE_SEED)
    if count >= total:
        return np.arange(total)
    if labels is None:
        return np.sort(rng.choice(total, size=count, replace=False))
    chosen = []
    classes = np.unique(labels)
    for label in classes:
        members = np.flatnonzero(labels == label)
        share = max(1, round(count * len(members) / total))
        chosen.append(rng.choice(members, size=min(share, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


def input_names(count: int) -> list[str]:
    """The dataset arrays for a model with `count` inputs: x, or x0, x1, ..."""
    return ["x"] if count == 1 else [f"x{i}" for i in range(count)]


def load_dataset(
    model: ModelConfig, where: str, farm: Path, inputs: int = 1
) -> tuple[list[npt.NDArray[Any]], npt.NDArray[Any] | None]:
    """One array per model input (in order) and the labels, if any."""
    assert model.dataset is not None
    names = input_names(inputs)
    try:
        with np.load(model.dataset, allow_pickle=False) as archive:
            if inputs == 1 and "x" not in archive and "x0" in archive:
                names = ["x0"]
            missing = [n for n in names if n not in archive]
            if missing:
                raise ConfigError(
                    farm,
                    f"{where}.dataset",
                    f"{model.dataset.name} has no array {', '.join(repr(m) for m in missing)}",
                    f"an .npz with {', '.join(names)} (inputs in the model's order) and y (labels, optional)",
                )
            xs = [archive[n] for n in names]
            y = archive.get("y", None)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ConfigError(farm, f"{where}.dataset", f"cannot read {model.dataset.name}: {exc}") from None
    counts = {len(x) for x in xs} | ({len(y)} if y is not None else set())
    if len(counts) > 1:
        sizes = ", ".join(f"{n}: {len(x)}" for n, x in zip(names, xs, strict=True))
        raise ConfigError(
            farm,
            f"{where}.dataset",
            f"arrays of different lengths ({sizes}, y: {len(y) if y is not None else '-'})",
        )
    return xs, y
