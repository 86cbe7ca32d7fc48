"""The release manifest: what a passing gate tested, so a delivery step promotes exactly that.

reports/manifest.json is written only when the gate passes (every selected
board × model judged and passed, every collected test passed, no board
quarantined, nothing interrupted: results.json says "status": "complete") and
removed when it does not. The plugin also removes it when a run starts, before
anything else can fail, so a stale manifest can never be promoted. Format: docs/release-gate.md.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from harness.gate import history

FILENAME = "manifest.json"
FORMAT = 1
# Identity keys that name a moment, not a board (a pty path changes every run).
VOLATILE_IDENTITY = ("pty",)


def _metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in metrics.items() if k != "latency_samples_ms"}
    if isinstance(out.get("baseline"), dict):
        out["baseline"] = {k: v for k, v in out["baseline"].items() if k != "latency_samples_ms"}
    return out


def build(results: dict[str, Any]) -> dict[str, Any]:
    """The manifest of a run (whatever its verdict; `write` decides whether it is written)."""
    records = results.get("records") or []
    models: dict[str, dict[str, Any]] = {}
    firmware: dict[str, dict[str, Any]] = {}
    boards: dict[str, dict[str, Any]] = {}
    for r in records:
        identity = r.get("identity") or {}
        models[r["model"]] = {
            "sha256": identity.get("model_sha256"),
            "baseline_sha256": identity.get("baseline_sha256"),
        }
        firmware[r["board"]] = {
            "sha256": identity.get("firmware_sha256"),
            "build_id": identity.get("build_id"),
            "port": identity.get("port"),
        }
        boards[r["board"]] = {k: v for k, v in identity.items() if k not in VOLATILE_IDENTITY}
    return {
        "format": FORMAT,
        "gate": history.gate_verdict(results),
        "run_id": history.run_id(results),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "started": results.get("started"),
        "tinyfarm_version": results.get("tinyfarm_version"),
        "farm": results.get("farm"),
        "farm_toml": results.get("farm_toml"),
        "farm_sha256": results.get("farm_sha256"),
        "smoke": bool(results.get("smoke")),
        "models": models,
        "firmware": firmware,
        "boards": boards,
        "results": [
            {
                "board": r["board"],
                "model": r["model"],
                "verdict": r.get("verdict"),
                "latency_kind": r.get("latency_kind"),
                "metrics": _metrics(r.get("metrics") or {}),
                "budgets": r.get("budgets") or [],
            }
            for r in records
        ],
    }


def write(results: dict[str, Any], reports: Path) -> Path | None:
    """Write manifest.json when the gate passes and return its path; else remove any old one."""
    path = reports / FILENAME
    if history.gate_verdict(results) != "pass" or results.get("status") != "complete":
        path.unlink(missing_ok=True)
        return None
    reports.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(build(results), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def current(results: dict[str, Any], reports: Path) -> Path | None:
    """The manifest in `reports` when it belongs to this run (for a rebuilt report)."""
    path = reports / FILENAME
    try:
        written = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return path if written.get("run_id") == history.run_id(results) else None
