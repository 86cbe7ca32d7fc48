"""Budgets and metrics are pure: checked against hand-computed values."""

import math

import numpy as np
import pytest

from harness.gate import metrics
from harness.gate.budgets import evaluate, for_check


def test_min_and_max_budgets_with_margins() -> None:
    results = evaluate(
        {"accuracy_min": 0.9, "latency_p95_ms": 10.0},
        {"accuracy": 0.95, "latency_p95_ms": 12.5},
    )
    acc, lat = results
    assert acc.ok and acc.margin == pytest.approx(0.05)
    assert not lat.ok and lat.margin == pytest.approx(-2.5)
    assert "limit <= 10 ms" in lat.describe() and "actual 12.5 ms" in lat.describe()
    assert [r.name for r in for_check(results, "latency")] == ["latency_p95_ms"]


def test_unmeasured_metric_fails_its_budget() -> None:
    (result,) = evaluate({"stack_bytes_max": 1000}, {"stack_bytes": None})
    assert not result.ok and "not measured" in result.describe()


def test_top1_accuracy_and_agreement() -> None:
    outputs = np.array([[1, 9, 0], [5, 1, 1], [0, 0, 7], [3, 2, 1]], dtype=np.int8)
    assert metrics.top1_accuracy(outputs, np.array([1, 0, 2, 2])) == 0.75
    reference = outputs.copy()
    reference[3, 0] = 6
    share, max_diff = metrics.agreement(outputs, reference)
    assert share == 0.75 and max_diff == 3


def test_latency_percentiles() -> None:
    cycles = [float(c) for c in range(1, 101)]  # 1..100 cycles
    stats = metrics.latency_stats(cycles, clock_hz=1000.0)
    assert stats["latency_n"] == 100
    assert stats["cycles_p50"] == pytest.approx(50.5)
    assert stats["cycles_p95"] == pytest.approx(95.05)
    assert stats["latency_max_ms"] == pytest.approx(100.0)


def test_auc_matches_pairwise_definition() -> None:
    scores = np.array([0.1, 0.4, 0.35, 0.8])
    labels = np.array([0, 0, 1, 1])
    # pairs (pos, neg): (0.35,0.1) win, (0.35,0.4) loss, (0.8,*) 2 wins -> 3/4
    assert metrics.roc_auc(scores, labels) == 0.75
    assert math.isnan(metrics.roc_auc(scores, np.zeros(4, dtype=int)))


def test_float_agreement_within_tolerance() -> None:
    mx = metrics
    ref = np.array([[1.0, -0.0, np.nan, np.inf], [0.5, 2.0, 3.0, 4.0]], dtype=np.float32)
    dev = np.array([[1.0, 0.0, np.nan, np.inf], [0.5 + 2e-7, 2.0, 3.0, 4.0]], dtype=np.float32)
    share, worst = mx.agreement(dev, ref)  # default 0: equal values (-0.0 == 0.0, NaN == NaN)
    assert share == 0.5 and 1e-7 < worst < 1e-6
    assert mx.agreement(dev, ref, atol=1e-6) == (1.0, worst)
    dev[0, 2] = 1.0  # a number where the reference has NaN never agrees
    same, worst = mx.agreeing(dev, ref, atol=1e9)
    assert same.tolist() == [False, True] and worst == np.inf
    ints = np.array([[3, 4]], dtype=np.int8)
    assert mx.agreement(ints, ints + 1, atol=5.0) == (0.0, 1.0)  # integers compare exactly
