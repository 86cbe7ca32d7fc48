"""Budgets: pure comparison of measured metrics against farm.toml limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BudgetRule:
    metric: str  # key in the metrics dict
    kind: str  # "min": actual >= limit passes; "max": actual <= limit passes
    unit: str
    check: str  # the generated test item that reports it
    fraction: bool = False  # limit must lie in [0, 1]


RULES: dict[str, BudgetRule] = {
    "accuracy_min": BudgetRule("accuracy", "min", "ratio", "accuracy", fraction=True),
    "agreement_min": BudgetRule("agreement", "min", "ratio", "agreement", fraction=True),
    "max_abs_diff_max": BudgetRule("max_abs_diff", "max", "LSB", "agreement"),
    "latency_p50_ms": BudgetRule("latency_p50_ms", "max", "ms", "latency"),
    "latency_p95_ms": BudgetRule("latency_p95_ms", "max", "ms", "latency"),
    "latency_max_ms": BudgetRule("latency_max_ms", "max", "ms", "latency"),
    "arena_bytes_max": BudgetRule("arena_bytes", "max", "bytes", "memory"),
    "flash_bytes_max": BudgetRule("flash_bytes", "max", "bytes", "memory"),
    "ram_bytes_max": BudgetRule("ram_bytes", "max", "bytes", "memory"),
    "stack_bytes_max": BudgetRule("stack_bytes", "max", "bytes", "memory"),
    "model_bytes_max": BudgetRule("model_bytes", "max", "bytes", "memory"),
    "accuracy_drop_max": BudgetRule("accuracy_drop", "max", "ratio", "baseline", fraction=True),
    "latency_increase_max": BudgetRule("latency_increase", "max", "ratio", "baseline"),
    "arena_increase_max": BudgetRule("arena_increase", "max", "ratio", "baseline"),
    "flash_increase_max": BudgetRule("flash_increase", "max", "ratio", "baseline"),
    "ram_increase_max": BudgetRule("ram_increase", "max", "ratio", "baseline"),
}

CHECKS = ("smoke", "accuracy", "agreement", "latency", "memory", "baseline")


@dataclass(frozen=True)
class BudgetResult:
    name: str  # the farm.toml key, e.g. latency_p95_ms
    metric: str
    kind: str
    unit: str
    limit: float
    actual: float | None  # None: the metric could not be measured
    ok: bool
    # How the actual figure was obtained when it is not the bare metric, e.g.
    # "wilson95-upper" (smoke accuracy) or "point" (full-run accuracy).
    basis: str | None = None
    # The figures behind the verdict in words, e.g. candidate vs baseline.
    detail: str | None = None

    @property
    def margin(self) -> float | None:
        """Positive: room left; negative: by how much the budget is missed."""
        if self.actual is None:
            return None
        return self.actual - self.limit if self.kind == "min" else self.limit - self.actual

    def describe(self) -> str:
        if self.actual is None:
            return f"{self.name}: {self.metric} was not measured (limit {self.limit:g} {self.unit})"
        relation = ">=" if self.kind == "min" else "<="
        verdict = "ok" if self.ok else "MISSED"
        if self.detail:
            return f"{self.name}: {verdict}: {self.detail}"
        return (
            f"{self.name}: {verdict}: actual {self.actual:g} {self.unit}, limit {relation} "
            f"{self.limit:g} {self.unit}, margin {self.margin:+g}"
        )


def evaluate(limits: dict[str, float], metrics: dict[str, float | None]) -> list[BudgetResult]:
    """One result per budget key; a metric that is missing fails its budget."""
    results = []
    for name, limit in limits.items():
        rule = RULES[name]
        actual = metrics.get(rule.metric)
        ok = actual is not None and (actual >= limit if rule.kind == "min" else actual <= limit)
        results.append(BudgetResult(name, rule.metric, rule.kind, rule.unit, limit, actual, ok))
    return results


def for_check(results: list[BudgetResult], check: str) -> list[BudgetResult]:
    return [r for r in results if RULES[r.name].check == check]
