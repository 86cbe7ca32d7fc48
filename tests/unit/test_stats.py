"""Wilson score intervals against published values, and drift against history."""

from __future__ import annotations

import pytest

from harness.gate import stats


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes: int, n: int, low: float, high: float) -> None:
    got = stats.wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_narrows_with_n_and_contains_the_point() -> None:
    small = stats.wilson_interval(38, 40)
    large = stats.wilson_interval(342, 360)
    assert small[0] < 0.95 < small[1] and large[0] < 0.95 < large[1]
    assert large[1] - large[0] < small[1] - small[0]
    assert stats.z_value() == pytest.approx(1.959964, abs=1e-6)
    assert stats.wilson_interval(38, 40, 0.99)[0] < small[0]


def test_wilson_interval_rejects_impossible_counts() -> None:
    for args in ((1, 0), (-1, 10), (11, 10)):
        with pytest.raises(ValueError):
            stats.wilson_interval(*args)


def test_drift_flags_latency_changes_beyond_five_percent_either_way() -> None:
    found = stats.drift("latency_p95_ms", 10.6, [10.0, 10.1, 9.9])
    assert found is not None and found.change == pytest.approx(0.06)
    assert "+6.0%" in found.describe() and "median 10 of 3 earlier run(s)" in found.describe()
    assert stats.drift("latency_p95_ms", 9.4, [10.0]) is not None
    assert stats.drift("latency_p95_ms", 10.4, [10.0, 10.0]) is None
    assert stats.drift("latency_p95_ms", 10.4, []) is None


def test_drift_flags_an_accuracy_drop_of_more_than_one_point_only() -> None:
    found = stats.drift("accuracy", 0.955, [0.97, 0.969, 0.971])
    assert found is not None and found.change == pytest.approx(-0.015)
    assert "-1.50 points" in found.describe()
    assert stats.drift("accuracy", 0.965, [0.97]) is None  # half a point
    assert stats.drift("accuracy", 0.99, [0.97]) is None  # better is not a drift
    assert stats.drift("accuracy", None, [0.97]) is None
