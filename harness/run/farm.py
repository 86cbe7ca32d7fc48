"""A farm run: the config, its prepared models, and every board × model result.

Shared by the pytest plugin and the CLI. Each result is written to
results.json as soon as it exists, so an aborted run keeps what it measured.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import __version__
from harness.backends import BoardBackend
from harness.boards.firmware import FirmwareImage, default_build_root
from harness.config.model import BoardConfig, FarmConfig
from harness.errors import INFRASTRUCTURE, FarmError
from harness.gate.record import Record
from harness.link.links import Link
from harness.models.prepare import PreparedModel, farm_ops, prepare_all
from harness.run.evaluate import build_record
from harness.run.journal import SampleJournal
from harness.run.runner import Measurement, build_firmware, measure, open_backend

Progress = Callable[[str, int, int], None]
QUARANTINE_AFTER = 2  # consecutive infrastructure failures of one board


class Farm:
    def __init__(
        self,
        config: FarmConfig,
        smoke: bool = False,
        reports: Path | None = None,
        wrap: Callable[[BoardBackend, Link], Link] | None = None,
    ):
        self.config = config
        self.smoke = smoke
        self.wrap = wrap  # fault injection: wraps each board's link
        self.reports = reports or config.reports
        self.state = config.state  # leases, journals, logs, work files: never in reports/
        self.workdir = self.state / "work"
        self.build_root = default_build_root()
        self.models: dict[str, PreparedModel] = prepare_all(config, smoke)
        # Like TFLM's op resolver: the agent links only the kernels the farm's models use.
        self.ops = farm_ops(self.models.values())
        self.records: dict[tuple[str, str], Record] = {}
        self._firmware: dict[str, FirmwareImage] = {}
        self._infra_failures: dict[str, int] = {}
        self.quarantined: dict[str, str] = {}
        self.started = time.time()
        self.results_file = "results.json"  # an xdist worker writes results-<worker>.json (run.parallel)
        self.results_dir = self.reports  # a worker writes its fragment in the state folder
        # Until the run's end says otherwise, results.json describes an unfinished run.
        self.status: dict[str, Any] = {"status": "incomplete", "reason": "the run has not finished"}
        self.final_results: dict[str, Any] | None = None  # set when the run is concluded
        self._error_reported_by: dict[tuple[str, str], str] = {}

    def backend(self, board: BoardConfig) -> BoardBackend:
        return open_backend(board, self.workdir)

    def firmware(self, backend: BoardBackend) -> FirmwareImage:
        name = backend.board.name
        if name not in self._firmware:
            self._firmware[name] = build_firmware(backend, self.build_root, self.ops)
        return self._firmware[name]

    def record_error(self, board_name: str, model_name: str, error_class: str, message: str) -> Record:
        """A board × model that could not be measured (say, its emulator is missing)."""
        key = (board_name, model_name)
        if key not in self.records:
            self.records[key] = Record(board_name, model_name, "error", error_class, message)
            self.write_results()
        return self.records[key]

    def claim_error_report(self, board_name: str, model_name: str, check: str) -> str:
        """The check that reports a pair's error: the first to ask. The others are not judged."""
        return self._error_reported_by.setdefault((board_name, model_name), check)

    def run(self, board_name: str, model_name: str, progress: Progress | None = None) -> Record:
        """Measure and judge one board × model, once per farm run."""
        key = (board_name, model_name)
        if key not in self.records:
            self.records[key] = self._run(self.config.board(board_name), self.models[model_name], progress)
            self.write_results()
        return self.records[key]

    def _measure(self, backend: BoardBackend, model: PreparedModel, progress: Progress | None) -> Measurement:
        report = (lambda done, total: progress(model.name, done, total)) if progress else None
        if backend.board.protocol == "eembc":
            return self._measure_eembc(backend, model, report)
        firmware = self.firmware(backend)
        identity = {
            "board": backend.board.name,
            "firmware": firmware.sha256,
            "model": model.sha256,
            "inputs": model.inputs_sha256,
        }
        if model.config.carry_state:
            identity["state"] = "carry"
        journal = SampleJournal(self.workdir / backend.board.name, model.name, identity)
        wrap = None
        if self.wrap is not None:
            inject = self.wrap
            wrap = lambda link: inject(backend, link)  # noqa: E731
        packed = model.reference.packed
        return measure(
            backend,
            firmware,
            model.data,
            model.inputs,
            report,
            journal,
            wrap=wrap,
            packed=packed,
            carry_state=model.config.carry_state,
        )

    def _measure_eembc(
        self, backend: BoardBackend, model: PreparedModel, report: Callable[[int, int], None] | None
    ) -> Measurement:
        """The MLPerf Tiny protocol: the model's own firmware, or the agent's EEMBC personality."""
        from harness.run import eembc_run

        firmware = eembc_run.user_firmware(model, backend, self.config.path.parent)
        if firmware is None:
            firmware = self.firmware(backend) if backend.flashes else eembc_run.NO_IMAGE
        wrap = None
        if self.wrap is not None:
            inject = self.wrap
            wrap = lambda link: inject(backend, link)  # noqa: E731
        return eembc_run.measure_eembc(backend, firmware, model, report, wrap)

    def _run(self, board: BoardConfig, model: PreparedModel, progress: Progress | None) -> Record:
        if board.name in self.quarantined:
            reason = self.quarantined[board.name]
            return Record(board.name, model.name, "error", INFRASTRUCTURE, f"board quarantined: {reason}")
        try:
            backend = self.backend(board)
            measured = self._measure(backend, model, progress)
            baseline = self._measure(backend, model.baseline, progress) if model.baseline else None
            limits = self.config.limits(model.name, board.name)
            record = build_record(
                board.name, model, measured, limits, backend.clock_hz, baseline, board_config=board
            )
        except FarmError as exc:
            record = Record(board.name, model.name, "error", exc.error_class, str(exc))
        except Exception as exc:  # a bug or an unexpected tool failure: still a recorded result
            record = Record(board.name, model.name, "error", INFRASTRUCTURE, f"{type(exc).__name__}: {exc}")
        self._count_failure(board.name, record)
        return record

    def _count_failure(self, board: str, record: Record) -> None:
        """A board whose runs keep failing for infrastructure reasons is set aside."""
        if record.verdict == "error" and record.error_class == INFRASTRUCTURE:
            self._infra_failures[board] = self._infra_failures.get(board, 0) + 1
            if self._infra_failures[board] >= QUARANTINE_AFTER:
                self.quarantined[board] = (
                    f"{self._infra_failures[board]} infrastructure failures: {record.error}"
                )
        elif record.verdict != "error":
            self._infra_failures[board] = 0

    def results(self) -> dict[str, Any]:
        return {
            "farm": self.config.name,
            "farm_toml": str(self.config.path.name),
            "farm_sha256": self.config.source_sha256,
            "tinyfarm_version": __version__,
            "reference": reference_version(),
            "smoke": self.smoke,
            "started": self.started,
            **self.status,
            "records": [r.to_json() for r in self.records.values()],
            "quarantined": [
                {"board": name, "reason": reason, "identity": self._identity(name)}
                for name, reason in self.quarantined.items()
            ],
        }

    def _identity(self, board: str) -> dict[str, Any]:
        board_config = self.config.board(board)
        return {"backend": board_config.backend, "probe": board_config.probe, "url": board_config.url}

    def write_results(self) -> Path:
        """Atomically replace results.json, so a killed run leaves a whole file."""
        self.results_dir.mkdir(parents=True, exist_ok=True)
        path = self.results_dir / self.results_file
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(to_json(self.results()))
        os.replace(tmp, path)
        return path


def reference_version() -> dict[str, str | None]:
    """The host oracle the outputs were compared with."""
    try:
        version: str | None = importlib.metadata.version("tflite-micro")
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"package": "tflite-micro", "version": version}


def _finite(value: Any) -> Any:
    """NaN and infinities are not JSON: an unmeasurable figure is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def to_json(results: dict[str, Any]) -> str:
    """results.json text: always valid JSON (null, never NaN)."""
    return json.dumps(_finite(results), indent=2, allow_nan=False)
