"""A model and its dataset, checked against each other before any board is touched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.boards.engine_ops import check_model, ops_used
from harness.config.model import FarmConfig, ModelConfig
from harness.errors import ConfigError
from harness.models.datasets import (
    input_names,
    label_problem,
    load_dataset,
    quantize,
    sample_problem,
    stratified_subset,
)
from harness.models.reference import Reference, TensorSpec, tflm_arena_bytes
from harness.models.tensors import pack

__all__ = ["PreparedModel", "config_ops", "farm_ops", "prepare", "prepare_all", "quantize", "sample_problem"]


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
            self._reference = Reference(self.path, self.config.carry_state)
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


def prepare(farm: FarmConfig, model: ModelConfig, smoke: bool, path: Path | None = None) -> PreparedModel:
    """Load the model and its samples; ConfigError on any mismatch."""
    index = farm.models.index(model)
    where = f"models[{index}]"
    path = path or model.path
    if path is None:
        return _prepare_raw(farm, model, smoke, where)
    data = path.read_bytes()  # read once: checked, hashed and flashed as these bytes
    try:
        unsupported = check_model(data)
    except ValueError as exc:
        raise ConfigError(
            farm.path, f"{where}.path", f"{path.name} is not a model TFLite Micro can load: {exc}"
        ) from None
    if unsupported:
        raise ConfigError(
            farm.path,
            f"{where}.path",
            f"{path.name}: the engine cannot run {len(unsupported)} operator(s):\n  "
            + "\n  ".join(unsupported),
            "models whose operators and types the engine supports (farm check MODEL.tflite lists them)",
        )
    try:
        reference = Reference(path)
    except Exception as exc:  # the interpreter's own errors are plain RuntimeErrors
        raise ConfigError(
            farm.path, f"{where}.path", f"{path.name} is not a model TFLite Micro can load: {exc}"
        ) from None
    specs = reference.inputs
    if model.dataset is None:
        xs, y = [np.zeros((1, *spec.shape[1:]), dtype=spec.dtype) for spec in specs], None
    else:
        xs, y = load_dataset(model, where, farm.path, len(specs))
    source = model.dataset.name if model.dataset else "x"
    for name, x, spec in zip(input_names(len(specs)), xs, specs, strict=True):
        _check_samples(farm.path, where, f"{source}: {name}" if len(specs) > 1 else source, x, spec)
    if model.output >= len(reference.outputs):
        raise ConfigError(
            farm.path,
            f"{where}.output",
            f"the model has {len(reference.outputs)} output(s)",
            f"0..{len(reference.outputs) - 1}",
        )
    if y is not None:
        problem = label_problem(y, model.task, int(reference.outputs[model.output].shape[-1]))
        if problem is not None:
            raise ConfigError(farm.path, f"{where}.dataset", f"{source}: {problem}")
    count = model.smoke_samples if smoke else (model.samples or len(xs[0]))
    keep = stratified_subset(y, count, len(xs[0]))
    xs, y = [x[keep] for x in xs], (y[keep] if y is not None else None)
    needs_labels = [k for k in farm.limits(model.name, "*") if k.startswith("accuracy")]
    if y is None and any(k == "accuracy_min" for k in needs_labels):
        raise ConfigError(farm.path, f"budgets.{model.name}.accuracy_min", "the dataset has no labels (y)")
    quantized = [
        quantize(x.reshape(len(x), *spec.shape[1:]), spec) for x, spec in zip(xs, specs, strict=True)
    ]
    inputs = pack(quantized) if reference.packed else quantized[0]
    return PreparedModel(model, path, data, inputs, y, smoke=smoke, _reference=reference)


def _check_samples(farm: Path, where: str, source: str, x: npt.NDArray[Any], spec: TensorSpec) -> None:
    per_sample = int(np.prod(x.shape[1:])) if x.ndim > 1 else 1
    if per_sample != int(np.prod(spec.shape[1:])):
        raise ConfigError(
            farm,
            f"{where}.dataset",
            f"{source}: samples of shape {tuple(x.shape[1:])} do not fit the model input {tuple(spec.shape)}",
            f"arrays of shape (N, {', '.join(map(str, spec.shape[1:]))})",
        )
    problem = sample_problem(x, spec)
    if problem is not None:
        raise ConfigError(farm, f"{where}.dataset", f"{source}: {problem}")


def _prepare_raw(farm: FarmConfig, model: ModelConfig, smoke: bool, where: str) -> PreparedModel:
    """A model without .tflite (EEMBC boards only): samples exactly as the dataset holds them."""
    (x,), y = load_dataset(model, where, farm.path)
    count = model.smoke_samples if smoke else (model.samples or len(x))
    keep = stratified_subset(y, count, len(x))
    x, y = x[keep], (y[keep] if y is not None else None)
    if y is None and "accuracy_min" in farm.limits(model.name, "*"):
        raise ConfigError(farm.path, f"budgets.{model.name}.accuracy_min", "the dataset has no labels (y)")
    return PreparedModel(model, None, b"", np.ascontiguousarray(x), y, smoke=smoke)


def farm_ops(models: Iterable[PreparedModel], extra: Iterable[bytes] = ()) -> tuple[str, ...]:
    """The engine operators an agent for these models needs (their baselines included)."""
    data = [m.data for m in models if m.data] + [
        m.baseline.data for m in models if m.baseline and m.baseline.data
    ]
    return ops_used([*data, *extra])


def config_ops(farm: FarmConfig, extra: Iterable[bytes] = ()) -> tuple[str, ...]:
    """farm_ops() from the files farm.toml names, without preparing datasets (CLI verbs)."""
    files = [p for m in farm.models for p in (m.path, m.baseline) if p is not None]
    return ops_used([*(p.read_bytes() for p in files), *extra])


def prepare_all(farm: FarmConfig, smoke: bool) -> dict[str, PreparedModel]:
    prepared = {}
    for model in farm.models:
        candidate = prepare(farm, model, smoke)
        if model.baseline is not None:
            candidate.baseline = prepare(farm, model, smoke, path=model.baseline)
        prepared[model.name] = candidate
    return prepared
