"""Turn a measurement into metrics, budget results and a verdict (no I/O)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from harness import calibration as cal
from harness import metrics as mx
from harness.budgets import RULES, BudgetResult, evaluate
from harness.config import BoardConfig
from harness.errors import MODEL
from harness.models import PreparedModel
from harness.runner import Measurement

OP_NAMES = {
    0: "ADD",
    1: "AVERAGE_POOL_2D",
    3: "CONV_2D",
    4: "DEPTHWISE_CONV_2D",
    6: "DEQUANTIZE",
    9: "FULLY_CONNECTED",
    17: "MAX_POOL_2D",
    22: "RESHAPE",
    25: "SOFTMAX",
    114: "QUANTIZE",
}


@dataclass
class Record:
    """One board × model: what results.json holds for it."""

    board: str
    model: str
    verdict: str = "error"  # pass | fail | error
    error_class: str | None = None  # infrastructure | model
    error: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    profile: list[dict[str, Any]] = field(default_factory=list)
    latency_kind: str | None = None
    # estimate vs prediction: status (calibrated | uncalibrated | measured), factor, source, basis, label
    latency_calibration: dict[str, Any] | None = None

    def budget_results(self) -> list[BudgetResult]:
        keys = ("name", "metric", "kind", "unit", "limit", "actual", "ok")
        return [BudgetResult(**{k: b[k] for k in keys}) for b in self.budgets]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def model_metrics(model: PreparedModel, measured: Measurement) -> dict[str, Any]:
    outputs = measured.outputs
    values: dict[str, Any] = {"samples": len(outputs)}
    if model.labels is not None and model.config.task == "classification":
        values["accuracy"] = mx.top1_accuracy(outputs, model.labels)
    elif model.labels is not None and model.config.task == "anomaly":
        values["accuracy"] = mx.roc_auc(mx.reconstruction_error(model.inputs, outputs), model.labels)
    share, max_diff = mx.agreement(outputs, model.reference_outputs)
    values["agreement"] = share
    values["max_abs_diff"] = max_diff
    return values


def memory_metrics(model: PreparedModel, measured: Measurement) -> dict[str, Any]:
    firmware = measured.firmware
    return {
        "arena_bytes": measured.model_info.arena_used,
        "arena_size": measured.model_info.arena_size,
        "tflm_arena_bytes": model.tflm_arena_bytes,
        "model_bytes": len(model.data),
        "firmware_flash_bytes": firmware.flash_bytes,
        "flash_bytes": firmware.flash_bytes + len(model.data),
        "static_ram_bytes": firmware.ram_bytes,
        "ram_bytes": firmware.ram_bytes + measured.model_info.arena_used,
        "stack_bytes": measured.stats.stack_hwm or None,
    }


def profile_rows(measured: Measurement, clock_hz: int) -> list[dict[str, Any]]:
    per_tick = measured.cycles_per_tick
    return [
        {
            "index": op.op_index,
            "op": OP_NAMES.get(op.builtin_op, f"builtin {op.builtin_op}"),
            "cycles": op.ticks * per_tick,
            "ms": op.ticks * per_tick / clock_hz * 1e3,
        }
        for op in measured.profile
    ]


def build_record(
    board: str,
    model: PreparedModel,
    measured: Measurement,
    limits: dict[str, float],
    clock_hz: int,
    baseline: Measurement | None = None,
    board_config: BoardConfig | None = None,
) -> Record:
    values = {**model_metrics(model, measured), **mx.latency_stats(measured.cycles, clock_hz)}
    values.update(memory_metrics(model, measured))
    values["clock_hz"] = clock_hz
    values["retries"] = measured.retries
    values["recoveries"] = measured.recoveries
    values["resumed_samples"] = measured.resumed_samples
    if baseline is not None and model.baseline is not None:
        base = {**model_metrics(model.baseline, baseline), **mx.latency_stats(baseline.cycles, clock_hz)}
        values["baseline"] = base
        if "accuracy" in base and "accuracy" in values:
            values["accuracy_drop"] = base["accuracy"] - values["accuracy"]
        if base.get("cycles_p95"):
            values["latency_increase"] = values["cycles_p95"] / base["cycles_p95"] - 1
    basis = board_config.latency_basis if board_config else "estimate"
    entry = board_config.calibration if board_config else None
    calibrated = cal.apply(values, measured.latency_kind, entry, basis)
    values.update(calibrated["metrics"])
    results = judge(limits, values, basis)
    identity = {
        **measured.identity,
        "agent_board": measured.hello.board,
        "port": measured.hello.port,
        "build_id": measured.hello.build_id.hex(),
        "firmware_sha256": measured.firmware.sha256,
        "model_sha256": model.sha256,
        "counter_hz": measured.hello.counter_hz,
    }
    if board_config is not None and board_config.profile:
        identity["profile"] = board_config.profile
    ok = all(r.ok for r in results)
    return Record(
        board,
        model.name,
        "pass" if ok else "fail",
        None if ok else MODEL,
        None,
        identity,
        _plain(values),
        [dict(asdict(r), margin=r.margin) for r in results],
        profile_rows(measured, clock_hz),
        measured.latency_kind,
        latency_calibration=calibrated["summary"],
    )


def judge(limits: dict[str, float], values: dict[str, Any], basis: str = "estimate") -> list[BudgetResult]:
    """Budgets against the metrics; with basis "predicted", latency budgets judge the
    calibrated prediction (latency_p95_ms_predicted), and say so in the result's metric."""
    if basis != "predicted":
        return evaluate(limits, values)
    shown = dict(values)
    for key in cal.LATENCY_KEYS:
        shown[key] = values.get(f"{key}_predicted")
    results = evaluate(limits, shown)
    return [
        replace(r, metric=f"{r.metric}_predicted") if RULES[r.name].metric in cal.LATENCY_KEYS else r
        for r in results
    ]


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy: numpy scalars to Python numbers, NaN to None."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out[key] = _plain(value)
        elif isinstance(value, np.generic):
            out[key] = value.item()
        else:
            out[key] = value
        if isinstance(out[key], float) and out[key] != out[key]:
            out[key] = None
    return out
