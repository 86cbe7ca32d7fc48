"""A model and its dataset, checked against each other before any board is touched."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.config.model import FarmConfig, ModelConfig
from harness.errors import ConfigError
from harness.run.reference import Reference, TensorSpec, tflm_arena_bytes

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
        return (
            f"{len(outside)} label(s) outside 0..{top} (first: y[{first}] = {y[first]!r}); "
            + ("anomaly labels are 0 (normal) or 1 (anomalous)" if task == "anomaly"
               else f"the model's output has {classes} classes")
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


@dataclass
class PreparedModel:
    config: ModelConfig
    path: Path | None  # None: a model that lives only in the user's EEMBC firmware
    data: bytes
    inputs: npt.NDArray[Any]  # already in the model's input dtype, one row per sample
    labels: npt.NDArray[Any] | None
    baseline: PreparedModel | None = None
    smoke: bool = False  # the inputs are a smoke subset: accuracy is judged on its interval
    _reference: Reference | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.config.name

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def reference(self) -> Reference:
        if self._reference is None:
            if self.path is None:
                raise ValueError(f"model {self.name} has no .tflite: no host reference")
            self._reference = Reference(self.path)
        return self._reference

    @cached_property
    def inputs_sha256(self) -> str:
        return hashlib.sha256(np.ascontiguousarray(self.inputs).tobytes()).hexdigest()

    @cached_property
    def reference_outputs(self) -> npt.NDArray[Any]:
        return self.reference.run_all(self.inputs)

    @cached_property
    def tflm_arena_bytes(self) -> int | None:
        return tflm_arena_bytes(self.path) if self.path else None


def _load_dataset(
    model: ModelConfig, where: str, farm: Path
) -> tuple[npt.NDArray[Any], npt.NDArray[Any] | None]:
    assert model.dataset is not None
    try:
        with np.load(model.dataset, allow_pickle=False) as archive:
            if "x" not in archive:
                raise ConfigError(
                    farm,
                    f"{where}.dataset",
                    f"{model.dataset.name} has no array 'x'",
                    "an .npz with x (inputs) and optionally y (labels)",
                )
            x = archive["x"]
            y = archive.get("y", None)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ConfigError(farm, f"{where}.dataset", f"cannot read {model.dataset.name}: {exc}") from None
    if y is not None and len(y) != len(x):
        raise ConfigError(farm, f"{where}.dataset", f"{len(x)} inputs but {len(y)} labels")
    return x, y


def prepare(farm: FarmConfig, model: ModelConfig, smoke: bool, path: Path | None = None) -> PreparedModel:
    """Load the model and its samples; ConfigError on any mismatch."""
    index = farm.models.index(model)
    where = f"models[{index}]"
    path = path or model.path
    if path is None:
        return _prepare_raw(farm, model, smoke, where)
    try:
        reference = Reference(path)
    except Exception as exc:  # the interpreter's own errors are plain RuntimeErrors
        raise ConfigError(
            farm.path, f"{where}.path", f"{path.name} is not a model TFLite Micro can load: {exc}"
        ) from None
    spec = reference.input
    if model.dataset is None:
        x = np.zeros((1, *spec.shape[1:]), dtype=spec.dtype)
        y = None
    else:
        x, y = _load_dataset(model, where, farm.path)
    per_sample = int(np.prod(x.shape[1:])) if x.ndim > 1 else 1
    if per_sample != int(np.prod(spec.shape[1:])):
        raise ConfigError(
            farm.path,
            f"{where}.dataset",
            f"samples of shape {tuple(x.shape[1:])} do not fit the model input {tuple(spec.shape)}",
            f"x of shape (N, {', '.join(map(str, spec.shape[1:]))})",
        )
    problem = sample_problem(x, spec)
    if problem is None and y is not None:
        problem = label_problem(y, model.task, int(reference.output.shape[-1]))
    if problem is not None:
        source = model.dataset.name if model.dataset else "x"
        raise ConfigError(farm.path, f"{where}.dataset", f"{source}: {problem}")
    count = model.smoke_samples if smoke else (model.samples or len(x))
    keep = stratified_subset(y, count, len(x))
    x, y = x[keep], (y[keep] if y is not None else None)
    needs_labels = [k for k in farm.limits(model.name, "*") if k.startswith("accuracy")]
    if y is None and any(k == "accuracy_min" for k in needs_labels):
        raise ConfigError(farm.path, f"budgets.{model.name}.accuracy_min", "the dataset has no labels (y)")
    inputs = quantize(x.reshape(len(x), *spec.shape[1:]), spec)
    return PreparedModel(model, path, path.read_bytes(), inputs, y, smoke=smoke, _reference=reference)


def _prepare_raw(farm: FarmConfig, model: ModelConfig, smoke: bool, where: str) -> PreparedModel:
    """A model without .tflite (EEMBC boards only): samples exactly as the dataset holds them."""
    x, y = _load_dataset(model, where, farm.path)
    count = model.smoke_samples if smoke else (model.samples or len(x))
    keep = stratified_subset(y, count, len(x))
    x, y = x[keep], (y[keep] if y is not None else None)
    if y is None and "accuracy_min" in farm.limits(model.name, "*"):
        raise ConfigError(farm.path, f"budgets.{model.name}.accuracy_min", "the dataset has no labels (y)")
    return PreparedModel(model, None, b"", np.ascontiguousarray(x), y, smoke=smoke)


def prepare_all(farm: FarmConfig, smoke: bool) -> dict[str, PreparedModel]:
    prepared = {}
    for model in farm.models:
        candidate = prepare(farm, model, smoke)
        if model.baseline is not None:
            candidate.baseline = prepare(farm, model, smoke, path=model.baseline)
        prepared[model.name] = candidate
    return prepared
