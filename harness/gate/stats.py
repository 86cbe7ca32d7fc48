"""Statistics for the release gate (pure): binomial intervals, drift against history.

A smoke run judges accuracy on a few dozen samples; a point estimate there is
noise. The Wilson score interval is what the gate reports and applies
(docs/release-gate.md): it stays inside [0, 1], is sensible at 0 and n
successes, and is close to nominal coverage for small n, unlike the normal
(Wald) interval.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95


def z_value(confidence: float = CONFIDENCE) -> float:
    """Two-sided standard normal quantile: 1.959964 for 95 %."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), not {confidence}")
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval (without continuity correction) for successes out of n."""
    if n <= 0:
        raise ValueError("n must be > 0")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, {n}], not {successes}")
    z = z_value(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    # Exact at the edges (floating point leaves 1e-17 otherwise).
    return (0.0 if successes == 0 else low), (1.0 if successes == n else high)


@dataclass(frozen=True)
class Drift:
    """A metric that moved beyond its threshold against the median of earlier runs."""

    metric: str
    current: float
    median: float
    change: float  # relative (latency, memory) or absolute (accuracy, in ratio units)
    threshold: float
    relative: bool
    runs: int  # earlier runs the median is taken over

    def describe(self) -> str:
        if self.relative:
            return (
                f"{self.metric} {self.current:.4g} vs median {self.median:.4g} of {self.runs} earlier "
                f"run(s): {self.change:+.1%} (threshold ±{self.threshold:.0%})"
            )
        return (
            f"{self.metric} {self.current:.4f} vs median {self.median:.4f} of {self.runs} earlier "
            f"run(s): {self.change * 100:+.2f} points (threshold {self.threshold * 100:.1f})"
        )


# metric -> (threshold, relative?, direction): direction +1 flags increases only,
# -1 decreases only, 0 both. Accuracy: a drop of more than one point; latency
# and memory: a change of more than 5 % either way (faster is also news).
DRIFT_RULES: dict[str, tuple[float, bool, int]] = {
    "accuracy": (0.01, False, -1),
    "agreement": (0.0, False, -1),
    "latency_p95_ms": (0.05, True, 0),
    "arena_bytes": (0.05, True, 0),
    "flash_bytes": (0.05, True, 0),
    "ram_bytes": (0.05, True, 0),
}


def drift(
    metric: str,
    current: float | None,
    previous: Sequence[float | None],
    rules: dict[str, tuple[float, bool, int]] | None = None,
) -> Drift | None:
    """The drift of one metric against the median of its earlier values, or None."""
    threshold, relative, direction = (rules or DRIFT_RULES)[metric]
    earlier = [float(v) for v in previous if v is not None]
    if current is None or not earlier:
        return None
    median = statistics.median(earlier)
    if relative:
        if median == 0:
            return None
        change = current / median - 1
    else:
        change = current - median
    beyond = change * direction > threshold if direction else abs(change) > threshold
    if not beyond or math.isclose(abs(change), threshold, abs_tol=1e-12):
        return None
    return Drift(metric, float(current), median, change, threshold, relative, len(earlier))
