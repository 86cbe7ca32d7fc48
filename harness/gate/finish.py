"""End-of-run reports, in one place: history, manifest, HTML.

`write_reports` is called once per run with the final results.json content
(on the pytest controller, after the workers' results are merged; by
`farm run` at its end). `rebuild_report` is `farm report`: the HTML again
from a results.json, reading the history but adding nothing to it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.gate import history, html, manifest

REPORT = "report.html"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_reports(results: dict[str, Any], reports: Path) -> None:
    """Append the run to reports/history.sqlite, write (or remove) reports/manifest.json,
    and write reports/report.html. A run that measured nothing (everything skipped, or
    --collect-only) only removes a stale manifest: it tested nothing that could be promoted."""
    if not results.get("records") and not results.get("quarantined"):
        (reports / manifest.FILENAME).unlink(missing_ok=True)
        return
    reports.mkdir(parents=True, exist_ok=True)
    db = reports / history.FILENAME
    history.append(db, results)
    trends = history.trends(db, results)
    written = manifest.write(results, reports)
    _write(reports / REPORT, html.render(results, trends, manifest=written is not None))


def rebuild_report(results_path: Path, out: Path | None = None) -> Path:
    """report.html from a results.json, with the history beside it (read only)."""
    results = json.loads(results_path.read_text())
    reports = results_path.parent
    trends = history.trends(reports / history.FILENAME, results)
    target = out or reports / REPORT
    has_manifest = manifest.current(results, reports) is not None
    _write(target, html.render(results, trends, manifest=has_manifest))
    return target
