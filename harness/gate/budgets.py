"""Budgets: pure comparison of measured metrics against farm.toml limits."""

from __future__ import annotations

from dataclasses import dataclass

from harness.config.budget_rules import CHECKS, RULES, BudgetRule

__all__ = ["CHECKS", "RULES", "BudgetResult", "BudgetRule", "evaluate", "for_check"]


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
