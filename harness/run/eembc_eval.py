"""Metrics from an EEMBC measurement (pure): what the protocol can and cannot tell.

The device prints dequantised results with a few decimals (3 in the
reference API), so agreement with the host reference is judged on
dequantised values within one unit of the last printed decimal, plus top-1
agreement; max_abs_diff is reported in the output's LSB. The arena is not
visible through the protocol and is not judged; neither is agreement for a
model without a .tflite. Memory is the firmware image's (flash: loaded
segments; RAM: static data, bss, stack), which holds the user's model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from harness.gate import metrics as mx
from harness.gate import stats
from harness.models.prepare import PreparedModel
from harness.run.runner import Measurement

NOT_JUDGED_ALWAYS = ("arena_bytes_max", "arena_increase_max")
NOT_JUDGED_WITHOUT_MODEL = ("agreement_min", "max_abs_diff_max")


def judged_limits(limits: dict[str, float], model: PreparedModel) -> tuple[dict[str, float], list[str]]:
    """The budgets an EEMBC board can be judged on, and the names of those it cannot."""
    skip = NOT_JUDGED_ALWAYS + (NOT_JUDGED_WITHOUT_MODEL if model.path is None else ())
    return {k: v for k, v in limits.items() if k not in skip}, sorted(k for k in limits if k in skip)


def _dequantised_reference(model: PreparedModel) -> tuple[npt.NDArray[np.float64], float]:
    spec = model.reference.output
    raw = model.reference_outputs.reshape(len(model.reference_outputs), -1).astype(np.float64)
    if spec.scale == 0.0:
        return raw, 1.0
    return spec.scale * (raw - spec.zero_point), spec.scale


def agreement_values(model: PreparedModel, outputs: npt.NDArray[Any], decimals: int) -> dict[str, Any]:
    """Share of samples whose every value is within 10**-decimals of the reference, top-1 agreement."""
    reference, lsb = _dequantised_reference(model)
    device = outputs.reshape(len(outputs), -1)
    if device.shape != reference.shape:
        return {"agreement": 0.0, "agreement_note": f"device {device.shape} vs reference {reference.shape}"}
    tolerance = 10.0**-decimals + 1e-9
    diff = np.abs(device - reference)
    return {
        "agreement": float(np.mean(np.all(diff <= tolerance, axis=1))) if len(device) else float("nan"),
        "agreement_tolerance": tolerance,
        "top1_agreement": float(np.mean(np.argmax(device, 1) == np.argmax(reference, 1))),
        "max_abs_diff": float(np.max(diff) / lsb) if len(device) else float("nan"),
        "max_abs_diff_value": float(np.max(diff)) if len(device) else float("nan"),
    }


def _accuracy(model: PreparedModel, outputs: npt.NDArray[Any]) -> dict[str, Any]:
    labels = model.labels
    if labels is None:
        return {}
    if model.config.task == "anomaly":
        flat = outputs.reshape(len(outputs), -1)
        # the reference AD firmware prints one score; an autoencoder's whole output is its reconstruction
        scores = flat[:, 0] if flat.shape[1] == 1 else mx.reconstruction_error(model.inputs, flat)
        return {"accuracy": mx.roc_auc(scores, labels)}
    if model.config.task != "classification":
        return {}
    values: dict[str, Any] = {"accuracy": mx.top1_accuracy(outputs, labels)}
    if len(labels):
        correct = round(values["accuracy"] * len(labels))
        low, high = stats.wilson_interval(correct, len(labels))
        values.update(accuracy_correct=correct, accuracy_ci_low=low, accuracy_ci_high=high)
        values["accuracy_ci_level"] = stats.CONFIDENCE
    return values


def eembc_metrics(model: PreparedModel, measured: Measurement) -> dict[str, Any]:
    info = measured.eembc
    values: dict[str, Any] = {"samples": len(measured.outputs), **_accuracy(model, measured.outputs)}
    if model.path is not None:
        values.update(agreement_values(model, measured.outputs, int(info["results_decimals"])))
    for key in ("infer_n", "warmup", "windows", "latency_us", "device_name", "device_profile"):
        values[f"eembc_{key}"] = info.get(key)
    values["wire_efficiency"] = info.get("wire_efficiency")
    values["wire_bytes"] = info.get("wire_bytes")
    values["wire_payload_bytes"] = info.get("payload_bytes")
    return values


def eembc_memory(model: PreparedModel, measured: Measurement) -> dict[str, Any]:
    firmware = measured.firmware
    if not measured.eembc.get("firmware_known"):
        return {"flash_bytes": None, "ram_bytes": None, "arena_bytes": None}
    in_slot = len(model.data) if model.config.firmware is None else 0  # the agent's personality
    return {
        "arena_bytes": None,
        "model_bytes": len(model.data) or None,
        "firmware_flash_bytes": firmware.flash_bytes,
        "flash_bytes": firmware.flash_bytes + in_slot,
        "static_ram_bytes": firmware.ram_bytes,
        "ram_bytes": firmware.ram_bytes,
    }
