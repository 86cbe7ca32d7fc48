"""The budgets farm.toml may set: each key's metric, direction, unit and the
check that reports it. Config validation and the gate both read this table."""

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
