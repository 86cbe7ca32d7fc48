"""A results.json-shaped dict for report, history and manifest tests (no board needed)."""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

from harness.gate.stats import wilson_interval
from harness.run.evaluate import judge

LIMITS = {
    "accuracy_min": 0.90,
    "agreement_min": 1.0,
    "latency_p95_ms": 5.0,
    "arena_bytes_max": 4096.0,
    "flash_bytes_max": 262_144.0,
    "ram_bytes_max": 65_536.0,
    "accuracy_drop_max": 0.01,
}


def _record(board: str, accuracy_correct: int, p95: float, smoke: bool, scale: float = 1.0) -> dict[str, Any]:
    n = 40 if smoke else 360
    low, high = wilson_interval(accuracy_correct, n)
    samples = [round(0.40 * scale + 0.0001 * (i % 30), 6) for i in range(n)]
    base_correct = 39 if smoke else 349
    metrics: dict[str, Any] = {
        "samples": n,
        "accuracy": accuracy_correct / n,
        "accuracy_correct": accuracy_correct,
        "accuracy_ci_low": low,
        "accuracy_ci_high": high,
        "accuracy_ci_level": 0.95,
        "agreement": 1.0,
        "max_abs_diff": 0.0,
        "latency_n": float(n),
        "latency_p50_ms": 0.41 * scale,
        "latency_p95_ms": p95,
        "latency_max_ms": p95 * 1.01,
        "cycles_p95": p95 * 64_000,
        "latency_samples_ms": samples,
        "arena_bytes": 376,
        "flash_bytes": 37_880,
        "ram_bytes": 15_188,
        "board_flash_bytes": 1_048_576,
        "board_ram_bytes": 262_144,
        "baseline": {
            "samples": n,
            "accuracy": base_correct / n,
            "accuracy_correct": base_correct,
            "accuracy_ci_low": wilson_interval(base_correct, n)[0],
            "accuracy_ci_high": wilson_interval(base_correct, n)[1],
            "latency_p95_ms": 0.425,
            "arena_bytes": 376,
            "flash_bytes": 37_880,
            "ram_bytes": 15_188,
            "latency_samples_ms": [0.42] * n,
        },
    }
    metrics["accuracy_drop"] = metrics["baseline"]["accuracy"] - metrics["accuracy"]
    budgets = judge(LIMITS, metrics, smoke=smoke)
    ok = all(b.ok for b in budgets)

    return {
        "board": board,
        "model": "digits-mlp",
        "verdict": "pass" if ok else "fail",
        "error_class": None if ok else "model",
        "error": None,
        "identity": {
            "board": board,
            "pty": "/dev/pts/9",
            "agent_board": board,
            "port": "mps2_an386",
            "build_id": "e17b9b41",
            "firmware_sha256": "f" * 64,
            "model_sha256": "a" * 64,
            "baseline_sha256": "b" * 64,
            "profile": "nano33ble",
        },
        "metrics": metrics,
        "budgets": [dict(asdict(b), margin=b.margin) for b in budgets],
        "profile": [],
        "latency_kind": "instruction-estimate",
        "latency_calibration": {"status": "uncalibrated", "kind": "instruction-estimate"},
    }


def sample_results(
    started: float = 1_800_000_000.0,
    smoke: bool = False,
    correct: int | None = None,
    p95: float = 0.425,
    infra_error: bool = False,
) -> dict[str, Any]:
    correct = correct if correct is not None else (39 if smoke else 349)
    records = [_record("nano33ble-emu", correct, p95, smoke), _record("stm32f4-emu", correct, p95, smoke)]
    if infra_error:
        records.append(
            {
                "board": "nucleo-l4r5zi-emu",
                "model": "digits-mlp",
                "verdict": "error",
                "error_class": "infrastructure",
                "error": "board nucleo-l4r5zi-emu: no HELLO within 5 s",
                "identity": {},
                "metrics": {},
                "budgets": [],
                "profile": [],
                "latency_kind": None,
                "latency_calibration": None,
            }
        )
    return copy.deepcopy(
        {
            "farm": "emulated-default",
            "farm_toml": "farm.toml",
            "farm_sha256": "c" * 64,
            "tinyfarm_version": "0.1.0",
            "smoke": smoke,
            "started": started,
            "status": "complete",  # every selected pair judged, nothing interrupted
            "records": records,
            "quarantined": [],
        }
    )
