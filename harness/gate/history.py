"""Run history: every farm run appended to a SQLite file in the reports folder.

One row per run (`runs`) and one per board × model of that run (`results`):
hashes of model, baseline and firmware, the key metrics as columns, every
metric and budget as JSON. Appending the same results.json twice adds
nothing (the run id is derived from it), so `farm report` may be run at will.
The report reads it back for trends and drift (docs/release-gate.md).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.gate import stats

FILENAME = "history.sqlite"
RECENT = 10  # runs shown in a trend, and the median of drift taken over (minus the current one)
# Key metrics kept as columns (trends and drift read them); everything else is in `metrics` JSON.
KEY_METRICS = ("accuracy", "agreement", "latency_p95_ms", "arena_bytes", "flash_bytes", "ram_bytes")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    farm TEXT,
    farm_sha256 TEXT,
    tinyfarm_version TEXT,
    smoke INTEGER NOT NULL,
    gate TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    started REAL NOT NULL,
    smoke INTEGER NOT NULL,
    board TEXT NOT NULL,
    model TEXT NOT NULL,
    model_sha256 TEXT,
    baseline_sha256 TEXT,
    firmware_sha256 TEXT,
    verdict TEXT NOT NULL,
    error_class TEXT,
    {", ".join(f"{m} REAL" for m in KEY_METRICS)},
    metrics TEXT NOT NULL,
    budgets TEXT NOT NULL,
    PRIMARY KEY (run_id, board, model)
);
CREATE INDEX IF NOT EXISTS results_by_pair ON results (board, model, smoke, started);
"""


def run_id(results: dict[str, Any]) -> str:
    """A stable id for one results.json: its start time and a short hash of farm and start."""
    started = float(results.get("started") or 0.0)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    digest = hashlib.sha256(f"{results.get('farm_sha256')}:{started!r}".encode()).hexdigest()[:6]
    return f"{stamp}-{digest}"


def gate_verdict(results: dict[str, Any]) -> str:
    """incomplete when the run did not judge everything it selected (interrupted, skipped,
    a failing test of the user's); else pass when every record passed and no board was
    quarantined; else fail."""
    if results.get("status") == "incomplete":
        return "incomplete"
    if (results.get("tests") or {}).get("failed"):
        return "fail"
    records = results.get("records") or []
    ok = bool(records) and all(r.get("verdict") == "pass" for r in records)
    return "pass" if ok and not results.get("quarantined") else "fail"


@contextmanager
def _connect(db: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(db, timeout=30)
    try:
        with connection:
            connection.executescript(SCHEMA)
            yield connection
    finally:
        connection.close()


def _stored_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics without the per-sample arrays (results.json keeps those)."""
    out = {k: v for k, v in metrics.items() if k != "latency_samples_ms"}
    if isinstance(out.get("baseline"), dict):
        out["baseline"] = {k: v for k, v in out["baseline"].items() if k != "latency_samples_ms"}
    return out


def append(db: Path, results: dict[str, Any]) -> str:
    """Add a run (once: a second call with the same results adds nothing); its run id."""
    rid = run_id(results)
    started = float(results.get("started") or 0.0)
    smoke = int(bool(results.get("smoke")))
    db.parent.mkdir(parents=True, exist_ok=True)
    with _connect(db) as connection:
        connection.execute(
            "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                rid,
                started,
                results.get("farm"),
                results.get("farm_sha256"),
                results.get("tinyfarm_version"),
                smoke,
                gate_verdict(results),
            ),
        )
        for record in results.get("records") or []:
            identity = record.get("identity") or {}
            metrics = record.get("metrics") or {}
            connection.execute(
                f"INSERT OR IGNORE INTO results VALUES ({', '.join('?' * (12 + len(KEY_METRICS)))})",
                (
                    rid,
                    started,
                    smoke,
                    record["board"],
                    record["model"],
                    identity.get("model_sha256"),
                    identity.get("baseline_sha256"),
                    identity.get("firmware_sha256"),
                    record.get("verdict", "error"),
                    record.get("error_class"),
                    *(_number(metrics.get(m)) for m in KEY_METRICS),
                    json.dumps(_stored_metrics(metrics)),
                    json.dumps(record.get("budgets") or []),
                ),
            )
    return rid


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass
class Trend:
    """Recent runs of one board × model of the same kind (smoke or full), oldest first."""

    board: str
    model: str
    runs: list[dict[str, Any]] = field(default_factory=list)  # the current run is the last one
    drifts: list[stats.Drift] = field(default_factory=list)

    def series(self, metric: str) -> list[float | None]:
        return [r.get(metric) for r in self.runs]


def rows(
    db: Path, board: str, model: str, smoke: bool, until: float, limit: int = RECENT
) -> list[dict[str, Any]]:
    """Up to `limit` runs of board × model of this kind that started no later than `until`, oldest first."""
    if not db.is_file():
        return []
    with _connect(db) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(
            "SELECT * FROM results WHERE board = ? AND model = ? AND smoke = ? AND started <= ? "
            "ORDER BY started DESC LIMIT ?",
            (board, model, int(smoke), until, limit),
        ).fetchall()
    return [dict(r) for r in reversed(found)]


def trends(db: Path, results: dict[str, Any], limit: int = RECENT) -> dict[tuple[str, str], Trend]:
    """Each record's recent history, and the key metrics that drifted against the median of the
    earlier runs (excluding this one). Runs are compared with runs of the same kind only:
    a smoke subset's figures are not a full run's."""
    rid = run_id(results)
    until = float(results.get("started") or 0.0)
    smoke = bool(results.get("smoke"))
    out: dict[tuple[str, str], Trend] = {}
    for record in results.get("records") or []:
        board, model = record["board"], record["model"]
        found = rows(db, board, model, smoke, until, limit + 1)
        earlier = [r for r in found if r["run_id"] != rid][-limit:]
        current: dict[str, Any] = {m: _number((record.get("metrics") or {}).get(m)) for m in KEY_METRICS}
        current.update(run_id=rid, started=until, verdict=record.get("verdict"))
        trend = Trend(board, model, [*earlier, current])
        if record.get("verdict") != "error":
            for metric in KEY_METRICS:
                flagged = stats.drift(metric, current[metric], [r.get(metric) for r in earlier])
                if flagged is not None:
                    trend.drifts.append(flagged)
        out[(board, model)] = trend
    return out
