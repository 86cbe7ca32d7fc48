"""Turn a measurement into metrics, budget results and a verdict (no I/O)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.boards.engine_ops import engine_ops
from harness.config import calibration as cal
from harness.config.model import BoardConfig
from harness.errors import MODEL
from harness.gate import metrics as mx
from harness.gate import stats
from harness.gate.budgets import RULES, BudgetResult, evaluate
from harness.gate.record import Record
from harness.models.prepare import PreparedModel
from harness.models.tensors import unpack
from harness.run.runner import Measurement


def op_name(code: int) -> str:
    known = engine_ops().get(code)
    return known.name if known else f"builtin {code}"


def judged_output(model: PreparedModel, outputs: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The output accuracy is judged on: output 0, or farm.toml's `output` of a packed model."""
    if model.path is None or not model.reference.packed:
        return outputs
    return unpack(outputs, model.reference.outputs)[model.config.output]


def model_metrics(model: PreparedModel, measured: Measurement) -> dict[str, Any]:
    outputs = judged_output(model, measured.outputs)
    values: dict[str, Any] = {"samples": len(outputs)}
    if model.labels is not None and model.config.task == "classification":
        values["accuracy"] = mx.top1_accuracy(outputs, model.labels)
        if len(model.labels):
            correct = round(values["accuracy"] * len(model.labels))
            low, high = stats.wilson_interval(correct, len(model.labels))
            values["accuracy_correct"] = correct
            values["accuracy_ci_low"] = low
            values["accuracy_ci_high"] = high
            values["accuracy_ci_level"] = stats.CONFIDENCE
    elif model.labels is not None and model.config.task == "anomaly":
        values["accuracy"] = mx.roc_auc(mx.reconstruction_error(model.inputs, outputs), model.labels)
    # Agreement: every output value of a sample equal to the reference's (float outputs:
    # within the model's agreement_atol); the largest difference is measured on the
    # judged output.
    atol = model.config.agreement_atol
    share, _ = mx.agreement(measured.outputs, model.reference_outputs)
    if model.path is not None and model.reference.packed and len(outputs):
        specs = model.reference.outputs
        same = np.ones(len(outputs), dtype=bool)
        for dev, ref in zip(
            unpack(measured.outputs, specs), unpack(model.reference_outputs, specs), strict=True
        ):
            same &= mx.agreeing(dev, ref, atol)[0]
        share = float(np.mean(same))
    elif atol > 0:
        share, _ = mx.agreement(measured.outputs, model.reference_outputs, atol)
    _, max_diff = mx.agreement(outputs, judged_output(model, model.reference_outputs), atol)
    values["agreement"] = share
    values["max_abs_diff"] = max_diff
    if atol > 0:
        values["agreement_atol"] = atol
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
            "op": op_name(op.builtin_op),
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
    if measured.protocol == "eembc":
        from harness.run import eembc_eval

        values = {**eembc_eval.eembc_metrics(model, measured), **mx.latency_stats(measured.cycles, clock_hz)}
        values.update(eembc_eval.eembc_memory(model, measured))
        limits, values["not_judged"] = eembc_eval.judged_limits(limits, model)
    else:
        values = {**model_metrics(model, measured), **mx.latency_stats(measured.cycles, clock_hz)}
        values.update(memory_metrics(model, measured))
    values["latency_samples_ms"] = latency_samples_ms(measured.cycles, clock_hz)
    if board_config is not None:
        values["board_flash_bytes"] = board_config.flash_bytes
        values["board_ram_bytes"] = board_config.ram_bytes
    values["clock_hz"] = clock_hz
    values["retries"] = measured.retries
    values["recoveries"] = measured.recoveries
    values["resumed_samples"] = measured.resumed_samples
    if baseline is not None and model.baseline is not None:
        base = {**model_metrics(model.baseline, baseline), **mx.latency_stats(baseline.cycles, clock_hz)}
        base.update(memory_metrics(model.baseline, baseline))
        base["latency_samples_ms"] = latency_samples_ms(baseline.cycles, clock_hz)
        values["baseline"] = base
        values.update(baseline_deltas(values, base))
    basis = board_config.latency_basis if board_config else "estimate"
    entry = board_config.calibration if board_config else None
    calibrated = cal.apply(values, measured.latency_kind, entry, basis)
    values.update(calibrated["metrics"])
    results = judge(limits, values, basis, smoke=model.smoke)
    identity = {
        **measured.identity,
        "agent_board": measured.hello.board,
        "port": measured.hello.port,
        "build_id": measured.hello.build_id.hex(),
        "firmware_sha256": measured.firmware.sha256,
        "model_sha256": model.sha256,
        "counter_hz": measured.hello.counter_hz,
        "protocol": measured.protocol,
    }
    if model.baseline is not None:
        identity["baseline_sha256"] = model.baseline.sha256
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


def latency_samples_ms(cycles: list[float], clock_hz: float) -> list[float]:
    """Every inference's latency at the board's clock, for the report's distributions."""
    return [round(c / clock_hz * 1e3, 6) for c in cycles]


# baseline budget metric -> (candidate/baseline metric, how its figures are printed)
BASELINE_FIGURES: dict[str, tuple[str, str]] = {
    "accuracy_drop": ("accuracy", "{:.4f}"),
    "latency_increase": ("latency_p95_ms", "p95 {:.4g} ms"),
    "arena_increase": ("arena_bytes", "{:,.0f} B arena"),
    "flash_increase": ("flash_bytes", "{:,.0f} B flash"),
    "ram_increase": ("ram_bytes", "{:,.0f} B RAM"),
}


def baseline_deltas(values: dict[str, Any], base: dict[str, Any]) -> dict[str, float]:
    """Candidate against baseline: accuracy drop (absolute), latency and memory increases (ratios)."""
    deltas: dict[str, float] = {}
    if values.get("accuracy") is not None and base.get("accuracy") is not None:
        deltas["accuracy_drop"] = base["accuracy"] - values["accuracy"]
    if base.get("cycles_p95") and values.get("cycles_p95") is not None:
        deltas["latency_increase"] = values["cycles_p95"] / base["cycles_p95"] - 1
    for name, key in (
        ("arena_increase", "arena_bytes"),
        ("flash_increase", "flash_bytes"),
        ("ram_increase", "ram_bytes"),
    ):
        if base.get(key) and values.get(key) is not None:
            deltas[name] = values[key] / base[key] - 1
    return deltas


def judge(
    limits: dict[str, float], values: dict[str, Any], basis: str = "estimate", smoke: bool = False
) -> list[BudgetResult]:
    """Budgets against the metrics.

    With basis "predicted", latency budgets judge the calibrated prediction
    (latency_p95_ms_predicted), and say so in the result's metric. Accuracy on a
    smoke subset is judged on the upper bound of its Wilson interval, a full run
    on the point estimate (docs/release-gate.md); baseline budgets name both figures.
    """
    shown = dict(values)
    if basis == "predicted":
        for key in cal.LATENCY_KEYS:
            shown[key] = values.get(f"{key}_predicted")
    results = []
    for r in evaluate(limits, shown):
        if basis == "predicted" and RULES[r.name].metric in cal.LATENCY_KEYS:
            r = replace(r, metric=f"{r.metric}_predicted")
        if r.name == "accuracy_min":
            r = _accuracy_result(r, values, smoke)
        elif r.metric in BASELINE_FIGURES:
            r = _baseline_result(r, values)
        results.append(r)
    return results


def _accuracy_result(r: BudgetResult, values: dict[str, Any], smoke: bool) -> BudgetResult:
    low, high = values.get("accuracy_ci_low"), values.get("accuracy_ci_high")
    if r.actual is None or low is None or high is None:
        return r  # AUC (anomaly) or nothing measured: the point figure as it is
    level = f"{values.get('accuracy_ci_level', stats.CONFIDENCE):.0%}"
    counts = f"{values['accuracy_correct']}/{values['samples']} correct"
    interval = f"Wilson {level} interval [{low:.4f}, {high:.4f}]"
    if smoke:
        ok = high >= r.limit
        detail = (
            f"smoke subset: upper bound {high:.4f} {'>=' if ok else '<'} {r.limit:.4f} "
            f"(point {r.actual:.4f}, {counts}, {interval})"
        )
        return replace(r, metric="accuracy_ci_high", actual=high, ok=ok, basis="wilson-upper", detail=detail)
    detail = f"accuracy {r.actual:.4f} {'>=' if r.ok else '<'} {r.limit:.4f} ({counts}, {interval})"
    return replace(r, basis="point", detail=detail)


def _baseline_result(r: BudgetResult, values: dict[str, Any]) -> BudgetResult:
    key, fmt = BASELINE_FIGURES[r.metric]
    candidate, base = values.get(key), (values.get("baseline") or {}).get(key)
    if r.actual is None or candidate is None or base is None:
        return r
    word = "drop" if r.metric == "accuracy_drop" else "increase"
    relation = "<=" if r.ok else ">"
    detail = (
        f"candidate {fmt.format(candidate)} vs baseline {fmt.format(base)}: "
        f"{word} {r.actual:.4f} {relation} {r.limit:.4f}"
    )
    return replace(r, detail=detail)


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
