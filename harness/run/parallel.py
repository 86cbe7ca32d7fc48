"""Boards in parallel under pytest-xdist, and the leases that keep them apart.

- Every test that drives a board (a farm item, or a user test given the
  `board` fixture) holds that board's lease (harness.boards.lease) from its setup
  until the worker moves on to another board, so two processes never drive
  one board, whatever scheduler or extra pytest run is involved.
- With `-n N` and the default `--dist load`, a board's tests form one unit
  of work: the scheduler hands whole boards to idle workers, so a board's
  model runs stay on the worker that holds it. Other `--dist` modes are
  xdist's own; leases still serialise a board.
- Each worker writes its records to `results-<worker>.json` as they arrive;
  the controller merges them into `results.json` after every test report and
  once more at the end, before the report writers run. JUnit XML is merged
  by pytest's junitxml on the controller.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.boards.lease import BoardLease, lock_dir
from harness.config.model import BoardConfig
from harness.gate.record import Record
from harness.run.farm import to_json

if TYPE_CHECKING:
    from harness.run.farm import Farm

FRAGMENT_GLOB = "results-gw*.json"
DEFAULT_LEASE_TIMEOUT = 600.0
_RECORD_FIELDS = {f.name for f in fields(Record)}


def addoption(group: Any) -> None:
    group.addoption(
        "--farm-lease-timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_LEASE_TIMEOUT,
        help=f"how long to wait for a board another process holds (default {DEFAULT_LEASE_TIMEOUT:g})",
    )


def worker_id(config: pytest.Config) -> str | None:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else None


def is_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("dsession")


def configure(config: pytest.Config, farm: Farm) -> None:
    """Called from the plugin's pytest_configure once the farm is loaded."""
    worker = worker_id(config)
    if worker is not None:
        farm.results_file = f"results-{worker}.json"
        farm.results_dir = fragments_dir(farm)
    elif is_controller(config):
        for stale in fragments_dir(farm).glob(FRAGMENT_GLOB):
            stale.unlink(missing_ok=True)
    config.pluginmanager.register(FarmParallel(config, farm), "tinyfarm-parallel")


def fragments_dir(farm: Farm) -> Path:
    """Where workers write their records as they arrive (a work folder, not a report)."""
    return farm.state / "results"


def board_of(item: pytest.Item | None) -> str | None:
    """The board a test drives: a farm item's, or the `board` fixture's parameter."""
    if item is None:
        return None
    board = getattr(item, "board", None)
    if isinstance(board, BoardConfig):
        return board.name
    callspec = getattr(item, "callspec", None)
    if callspec is not None and isinstance(callspec.params.get("board"), str):
        return str(callspec.params["board"])
    return None


def board_scope(nodeid: str, boards: list[str]) -> str | None:
    """The board a node id belongs to, from the id alone (the controller sees no items)."""
    parts = nodeid.split("::")
    if len(parts) >= 4 and parts[1] in boards:  # farm.toml::board::model::check
        return parts[1]
    match = re.search(r"\[(.*)\]$", nodeid)
    if match is None:
        return None
    ids = match.group(1)
    found = [b for b in boards if re.search(rf"(^|-){re.escape(b)}(-|$)", ids)]
    return max(found, key=len) if found else None


def make_scheduler(config: pytest.Config, log: Any, boards: list[str]) -> Any:
    """xdist's scope scheduler with one scope per board (tests of no board keep their module scope)."""
    from xdist.scheduler import LoadScopeScheduling

    class BoardScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            board = board_scope(nodeid, boards)
            return f"board:{board}" if board else super()._split_scope(nodeid)

    return BoardScheduling(config, log)


class FarmParallel:
    def __init__(self, config: pytest.Config, farm: Farm):
        self.config = config
        self.farm = farm
        self.worker = worker_id(config)
        self.leases: dict[str, BoardLease] = {}

    # -- leases ----------------------------------------------------------
    def lease(self, board: str) -> None:
        if board in self.leases:
            return
        holder = {"worker": self.worker or "main"}
        lease = BoardLease(self.farm.config.board(board), lock_dir(self.farm.state), holder)
        timeout = float(self.config.getoption("--farm-lease-timeout"))
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")

        def waiting(message: str) -> None:
            if reporter is not None and self.worker is None:
                reporter.write_line(f"tinyfarm: {message}")

        lease.acquire(timeout, waiting)
        self.leases[board] = lease

    def release(self, board: str | None = None) -> None:
        names = list(self.leases) if board is None else [board]
        for name in names:
            lease = self.leases.pop(name, None)
            if lease is not None:
                lease.release()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        board = board_of(item)
        if board is not None and board in self._known:
            self.lease(board)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        board = board_of(item)
        if board is not None and board_of(nextitem) != board:
            self.release(board)

    @property
    def _known(self) -> set[str]:
        return {b.name for b in self.farm.config.boards}

    # -- scheduling (controller) ------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "load":
            return None
        pattern = config.getoption("--farm-board")
        boards = [b.name for b in self.farm.config.boards if fnmatch.fnmatchcase(b.name, pattern)]
        return make_scheduler(config, log, boards)

    # -- results (controller) ---------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker is None and is_controller(self.config) and report.when == "call":
            merge(self.farm)

    def pytest_sessionfinish(self) -> None:
        self.release()


def merge(farm: Farm, final: bool = False) -> dict[str, Any]:
    """results.json from every worker's fragment, boards and models in farm.toml order."""
    records: dict[tuple[str, str], dict[str, Any]] = {}
    quarantined: dict[str, dict[str, Any]] = {}
    fragments = sorted(fragments_dir(farm).glob(FRAGMENT_GLOB))
    started = farm.started
    for fragment in fragments:
        try:
            data = json.loads(fragment.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # being replaced right now: the next merge reads it
        started = min(started, float(data.get("started", started)))
        for record in data.get("records", []):
            records[(record["board"], record["model"])] = record
        for entry in data.get("quarantined", []):
            quarantined[entry["board"]] = entry
    order = {b.name: i for i, b in enumerate(farm.config.boards)}
    models = {m.name: i for i, m in enumerate(farm.config.models)}
    keys = sorted(records, key=lambda k: (order.get(k[0], 1 << 30), models.get(k[1], 1 << 30), k))
    # Records for the terminal summary (fields the Record type knows).
    farm.records = {k: Record(**{f: v for f, v in records[k].items() if f in _RECORD_FIELDS}) for k in keys}
    farm.quarantined.update({name: str(entry.get("reason", "")) for name, entry in quarantined.items()})
    results = farm.results()
    results["started"] = started
    results["records"] = [records[k] for k in keys]
    results["quarantined"] = list(quarantined.values())
    results["workers"] = len(fragments)
    _write_atomically(farm.reports / "results.json", results)
    if final:
        for fragment in fragments:
            fragment.unlink(missing_ok=True)
    return results


def write_final(farm: Farm, results: dict[str, Any]) -> None:
    """The concluded results.json (status and all), on the process that reports."""
    _write_atomically(farm.reports / "results.json", results)


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(to_json(data))
    os.replace(tmp, path)


def final_results(config: pytest.Config, farm: Farm) -> dict[str, Any] | None:
    """The run's final results.json content, on the process that writes reports.

    On an xdist controller: every worker's records merged (and written). On a
    worker: None (the controller reports). Without xdist: the farm's own.
    """
    if worker_id(config) is not None:
        return None
    if is_controller(config):
        return merge(farm, final=True)
    with contextlib.suppress(OSError):
        farm.write_results()
    return farm.results()
