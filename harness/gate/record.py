"""One board × model as the reports see it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.gate.budgets import BudgetResult


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
        return [
            BudgetResult(**{k: b[k] for k in keys}, basis=b.get("basis"), detail=b.get("detail"))
            for b in self.budgets
        ]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
