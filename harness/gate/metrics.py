"""Metric definitions (pure): accuracy, agreement, latency, memory."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def top1_accuracy(outputs: npt.NDArray[np.generic], labels: npt.NDArray[np.integer]) -> float:
    """Share of samples whose largest output is at the label's index."""
    if len(labels) == 0:
        return float("nan")
    predicted = np.argmax(outputs.reshape(len(labels), -1), axis=1)
    return float(np.mean(predicted == labels))


def roc_auc(scores: npt.NDArray[np.floating], labels: npt.NDArray[np.integer]) -> float:
    """Area under the ROC curve (labels 1 = anomalous), ties counted half (Mann-Whitney U)."""
    positives = scores[labels == 1]
    negatives = scores[labels == 0]
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    greater = (positives[:, None] > negatives[None, :]).sum()
    ties = (positives[:, None] == negatives[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positives) * len(negatives)))


def reconstruction_error(
    inputs: npt.NDArray[np.generic], outputs: npt.NDArray[np.generic]
) -> npt.NDArray[np.float64]:
    """Anomaly score of an autoencoder: mean squared error per sample."""
    diff = inputs.reshape(len(inputs), -1).astype(np.float64) - outputs.reshape(len(outputs), -1).astype(
        np.float64
    )
    return np.asarray(np.mean(diff * diff, axis=1))


def agreeing(
    device: npt.NDArray[np.generic], reference: npt.NDArray[np.generic], atol: float = 0.0
) -> tuple[npt.NDArray[np.bool_], float]:
    """Per sample: does every value agree with the reference; and the max abs difference.

    Integer outputs agree when equal (the difference is in LSB). Float outputs agree
    within `atol` (farm.toml's agreement_atol; 0: equal values, -0.0 == 0.0; NaN agrees
    with NaN, an infinity with the same infinity); the difference is in output units.
    """
    n = len(device)
    if np.issubdtype(device.dtype, np.floating) or np.issubdtype(reference.dtype, np.floating):
        dev = device.reshape(n, -1).astype(np.float64)
        ref = reference.reshape(n, -1).astype(np.float64)
        both_nan = np.isnan(dev) & np.isnan(ref)
        with np.errstate(invalid="ignore"):
            diff = np.where((dev == ref) | both_nan, 0.0, np.abs(dev - ref))
        diff = np.where(np.isnan(diff), np.inf, diff)  # NaN against a number, or inf - inf
        return np.all(diff <= atol, axis=1), float(np.max(diff)) if diff.size else 0.0
    dev = device.reshape(n, -1).astype(np.int64)
    ref = reference.reshape(n, -1).astype(np.int64)
    return np.all(dev == ref, axis=1), float(np.max(np.abs(dev - ref))) if dev.size else 0.0


def agreement(
    device: npt.NDArray[np.generic], reference: npt.NDArray[np.generic], atol: float = 0.0
) -> tuple[float, float]:
    """(share of samples agreeing with the reference, max abs difference): see agreeing."""
    if len(device) == 0:
        return float("nan"), float("nan")
    same, worst = agreeing(device, reference, atol)
    return float(np.mean(same)), worst


def latency_stats(cycles: list[float], clock_hz: float) -> dict[str, float]:
    """p50, p95 and max in cycles and ms at clock_hz, and n."""
    if not cycles:
        return {"latency_n": 0}
    values = np.asarray(cycles, dtype=np.float64)
    stats = {
        "latency_n": float(len(values)),
        "cycles_p50": float(np.percentile(values, 50)),
        "cycles_p95": float(np.percentile(values, 95)),
        "cycles_max": float(values.max()),
    }
    for name in ("p50", "p95", "max"):
        stats[f"latency_{name}_ms"] = stats[f"cycles_{name}"] / clock_hz * 1e3
    return stats
