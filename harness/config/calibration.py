"""Calibration: from an emulator's instruction-count estimate to a predicted
physical latency, with the provenance of the factor.

An emulated twin's latency is an estimate: QEMU -icount and Renode virtual
time count instructions, not cycles (no pipeline, wait states, caches or
flash accelerator). A calibration file records, per board profile (and
emulator), the ratio of a latency measured on a physical board to the
estimate for the same model on its twin, and how that ratio was obtained:

    [[calibration]]
    profile = "nano33ble"            # or board = "<twin name>" for one twin only
    emulator = "qemu"                # optional: the backend the factor was taken on
    machine = "mps2-an386"           # optional: the QEMU machine / Renode platform
    factor = 1.37                    # physical p95 / emulated p95
    physical_board = "nano33-1"      # which physical board was measured
    date = 2025-06-02
    model = "kws"                    # which model (and so which op mix)
    method = "p95 of 200 inferences, DWT CYCCNT on silicon vs qemu -icount shift=0"

A record on a calibrated twin carries both figures: the estimate
(latency_p95_ms) and the prediction (latency_p95_ms_predicted), with the
factor's source. Without an entry the estimate is labelled uncalibrated.
Which figure latency budgets judge is the board's `latency_basis`.

No I/O here except reading the calibration file (load_file).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

ESTIMATE = "instruction-estimate"
MEASURED = "measured"
BASES = ("estimate", "predicted")
LATENCY_KEYS = ("latency_p50_ms", "latency_p95_ms", "latency_max_ms")
DEFAULT_FILE = "calibration.toml"  # beside farm.toml; [farm] calibration names another

_REQUIRED = ("factor", "physical_board", "date", "model", "method")
_OPTIONAL = ("profile", "board", "emulator", "machine", "estimate_ms", "measured_ms", "notes")


@dataclass(frozen=True)
class CalibrationEntry:
    factor: float  # physical latency / emulated estimate
    physical_board: str
    date: str
    model: str
    method: str
    profile: str | None = None
    board: str | None = None  # a twin's name: narrower than profile
    emulator: str | None = None  # backend name: qemu, renode
    machine: str | None = None  # QEMU machine or Renode platform
    estimate_ms: float | None = None  # the two figures the factor came from, when recorded
    measured_ms: float | None = None
    notes: str | None = None
    file: str = ""
    index: int = 0

    def matches(self, board: str, profile: str | None, backend: str, machine: str | None) -> int:
        """0 when the entry does not apply; otherwise higher is more specific."""
        if self.board is not None:
            if self.board != board:
                return 0
        elif self.profile is None or self.profile != profile:
            return 0
        if self.emulator is not None and self.emulator != backend:
            return 0
        if self.machine is not None and self.machine != machine:
            return 0
        return 1 + 4 * (self.board is not None) + 2 * (self.machine is not None) + (self.emulator is not None)

    def source(self) -> dict[str, Any]:
        """Where the factor comes from, for results.json."""
        where = f"{Path(self.file).name}[{self.index}]" if self.file else f"[{self.index}]"
        values: dict[str, Any] = {
            "file": where,
            "profile": self.profile,
            "board": self.board,
            "emulator": self.emulator,
            "machine": self.machine,
            "physical_board": self.physical_board,
            "date": self.date,
            "model": self.model,
            "method": self.method,
            "estimate_ms": self.estimate_ms,
            "measured_ms": self.measured_ms,
            "notes": self.notes,
        }
        return {k: v for k, v in values.items() if v is not None}

    def describe(self) -> str:
        return f"×{self.factor:g} from {self.physical_board}, {self.model}, {self.date}"


def _fail(path: Path, key: str, problem: str, accepted: str | None = None) -> ConfigError:
    return ConfigError(path, key, problem, accepted)


def _entry(path: Path, index: int, data: Any) -> CalibrationEntry:
    where = f"calibration[{index}]"
    if not isinstance(data, dict):
        raise _fail(path, where, "expected a table")
    for key in data:
        if key not in _REQUIRED + _OPTIONAL:
            raise _fail(path, f"{where}.{key}", "unknown key", ", ".join(_REQUIRED + _OPTIONAL))
    for key in _REQUIRED:
        if key not in data:
            raise _fail(path, f"{where}.{key}", "missing", "factor, physical_board, date, model, method")
    factor = data["factor"]
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor > 0:
        raise _fail(path, f"{where}.factor", f"wrong value {factor!r}", "a number > 0 (physical / estimate)")
    if "profile" not in data and "board" not in data:
        raise _fail(path, where, "names neither a profile nor a board", "profile = ... or board = ...")
    text: dict[str, str] = {}
    for key in ("physical_board", "model", "method", "profile", "board", "emulator", "machine", "notes"):
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                raise _fail(path, f"{where}.{key}", f"wrong value {data[key]!r}", "a non-empty string")
            text[key] = data[key]
    date = data["date"]
    if isinstance(date, dt.date | dt.datetime):
        date = date.isoformat()
    if not isinstance(date, str) or not date:
        raise _fail(path, f"{where}.date", f"wrong value {date!r}", "a date (2025-06-02)")
    figures: dict[str, float] = {}
    for key in ("estimate_ms", "measured_ms"):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise _fail(path, f"{where}.{key}", f"wrong value {value!r}", "a number of ms > 0")
            figures[key] = float(value)
    return CalibrationEntry(float(factor), date=date, file=str(path), index=index, **text, **figures)  # type: ignore[arg-type]


def load_file(path: Path) -> list[CalibrationEntry]:
    """Read and validate a calibration file: every error names the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(path, "", "calibration file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(path, "", f"not valid TOML: {exc}") from None
    for key in data:
        if key != "calibration":
            raise _fail(path, key, "unknown key", "[[calibration]] tables")
    entries = data.get("calibration", [])
    if not isinstance(entries, list):
        raise _fail(path, "calibration", "expected [[calibration]] tables")
    return [_entry(path, i, e) for i, e in enumerate(entries)]


def resolve(
    entries: list[CalibrationEntry], board: str, profile: str | None, backend: str, machine: str | None
) -> CalibrationEntry | None:
    """The most specific entry for a board; the first of equals."""
    best: CalibrationEntry | None = None
    best_score = 0
    for entry in entries:
        score = entry.matches(board, profile, backend, machine)
        if score > best_score:
            best, best_score = entry, score
    return best


def apply(
    metrics: dict[str, Any], latency_kind: str | None, entry: CalibrationEntry | None, basis: str = "estimate"
) -> dict[str, Any]:
    """Predicted-latency metrics and the summary results.json keeps in Record.latency_calibration.

    Returns {"metrics": {...predicted keys...}, "summary": {...}}; the caller merges both.
    """
    predicted: dict[str, Any] = {}
    summary: dict[str, Any] = {"kind": latency_kind, "basis": basis}
    if latency_kind == MEASURED:
        for key in LATENCY_KEYS:
            if metrics.get(key) is not None:
                predicted[f"{key}_predicted"] = metrics[key]
        summary.update(status="measured", factor=1.0)
    elif latency_kind == ESTIMATE and entry is not None:
        for key in LATENCY_KEYS:
            if metrics.get(key) is not None:
                predicted[f"{key}_predicted"] = metrics[key] * entry.factor
        summary.update(status="calibrated", factor=entry.factor, source=entry.source())
    elif latency_kind == ESTIMATE:
        summary.update(status="uncalibrated", factor=None)
    else:
        summary.update(status="not-a-board-latency", factor=None)
    summary["label"] = label(summary)
    return {"metrics": predicted, "summary": summary}


def label(summary: dict[str, Any] | None) -> str:
    """Short words for the terminal summary and the HTML report."""
    if not summary:
        return ""
    status = summary.get("status")
    if status == "measured":
        return "measured"
    if status == "calibrated":
        source = summary.get("source", {})
        return (
            f"estimate ×{summary['factor']:g} → predicted "
            f"(from {source.get('physical_board')}, {source.get('model')}, {source.get('date')})"
        )
    if status == "uncalibrated":
        return "instruction estimate, uncalibrated"
    return str(summary.get("kind") or "")


def entry_from_figures(estimate_ms: float, measured_ms: float, **provenance: Any) -> CalibrationEntry:
    """A new entry from an emulated estimate and a physical measurement of the same model."""
    if estimate_ms <= 0 or measured_ms <= 0:
        raise ValueError("both latencies must be > 0")
    return CalibrationEntry(
        measured_ms / estimate_ms, estimate_ms=estimate_ms, measured_ms=measured_ms, **provenance
    )


def to_toml(entry: CalibrationEntry) -> str:
    """One [[calibration]] table, ready to append to calibration.toml."""
    lines = ["[[calibration]]"]
    for key in (*_OPTIONAL[:4], "factor", "physical_board", "date", "model", "method", *_OPTIONAL[4:]):
        value = getattr(entry, key)
        if value is None:
            continue
        if isinstance(value, float):
            lines.append(f"{key} = {value:.6g}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{key} = "{escaped}"')
    return "\n".join(lines) + "\n"
