"""The pytest plugin: `pytest --farm farm.toml` turns farm.toml into test items.

Items are `board::model::check` for the checks smoke, accuracy, agreement,
latency, memory and baseline. The first item of a board × model runs it
(flash, stream the samples); every item then judges its own budgets, and
records each limit and actual value as JUnit properties.
"""

from __future__ import annotations

import fnmatch
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.config import load as configload
from harness.config.model import BoardConfig
from harness.errors import ConfigError
from harness.gate.budgets import for_check
from harness.gate.record import Record
from harness.gate.terminal import print_summary
from harness.link.session import AgentSession
from harness.run import parallel
from harness.run.farm import Farm
from harness.run.live import LiveRun

FARM_KEY = pytest.StashKey[Farm]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tinyfarm", "TinyML device farm")
    group.addoption("--farm", metavar="PATH", help="farm.toml to run (turns the farm on)")
    group.addoption("--farm-board", metavar="GLOB", default="*", help="only boards matching GLOB")
    group.addoption("--farm-model", metavar="GLOB", default="*", help="only models matching GLOB")
    group.addoption("--farm-smoke", action="store_true", help="a small stratified subset of each dataset")
    group.addoption("--farm-hardware", action="store_true", help="include physical boards")
    group.addoption(
        "--farm-report", metavar="DIR", help="reports folder (default: farm.toml's [farm] reports)"
    )
    parallel.addoption(group)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "farm_board(glob): run this test only on boards matching glob")
    config.addinivalue_line("markers", "farm_requires(tag): run only on boards with this tag")
    path = config.getoption("--farm")
    if not path:
        return
    try:
        farm_config = configload.load(path)
        report_opt = config.getoption("--farm-report")
        reports = Path(report_opt).resolve() if report_opt else farm_config.reports
        farm = Farm(farm_config, smoke=config.getoption("--farm-smoke"), reports=reports)
    except ConfigError as exc:
        raise pytest.UsageError(f"invalid farm: {exc}") from None
    config.stash[FARM_KEY] = farm
    parallel.configure(config, farm)  # leases, whole boards per xdist worker, merged results.json
    if config.option.xmlpath is None:
        config.option.xmlpath = str(reports / "junit.xml")
    # `pytest --farm farm.toml` with no test paths runs the farm only.
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(farm_config.path)]


def _farm(config: pytest.Config) -> Farm | None:
    return config.stash.get(FARM_KEY, None)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    farm = _farm(parent.config)
    if farm is not None and file_path == farm.config.path:
        return FarmFile.from_parent(parent, path=file_path)
    return None


def selected_boards(config: pytest.Config) -> list[BoardConfig]:
    farm = _farm(config)
    assert farm is not None
    pattern = config.getoption("--farm-board")
    return [b for b in farm.config.boards if fnmatch.fnmatchcase(b.name, pattern)]


def selected_models(config: pytest.Config) -> list[str]:
    farm = _farm(config)
    assert farm is not None
    pattern = config.getoption("--farm-model")
    return [m.name for m in farm.config.models if fnmatch.fnmatchcase(m.name, pattern)]


class FarmFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        farm = _farm(self.config)
        assert farm is not None
        for board in selected_boards(self.config):
            for model_name in selected_models(self.config):
                model = farm.models[model_name]
                checks = ["smoke", "agreement", "latency", "memory"]
                if model.labels is not None:
                    checks.insert(1, "accuracy")
                if model.baseline is not None:
                    checks.append("baseline")
                for check in checks:
                    yield FarmItem.from_parent(
                        self,
                        name=f"{board.name}::{model_name}::{check}",
                        board=board,
                        model=model_name,
                        check=check,
                    )


class BudgetMissed(Exception):
    """A model failure: the message lists every budget of the check."""


class InfrastructureFailure(Exception):
    """The board or its link failed: nothing was learned about the model."""


class FarmItem(pytest.Item):
    def __init__(self, *, board: BoardConfig, model: str, check: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.board = board
        self.model = model
        self.check = check
        self._live: LiveRun | None = None

    @property
    def agent(self) -> AgentSession:
        """A live session with this board and model, opened on first use: poke at it
        from `--pdb` (docs/by-hand.md). Closed when the item tears down."""
        if self._live is None:
            farm = _farm(self.config)
            assert farm is not None
            self._live = LiveRun(farm, self.board, self.model)
        return self._live.session

    def teardown(self) -> None:
        live_run, self._live = self._live, None
        if live_run is not None:
            live_run.close()

    def setup(self) -> None:
        farm = _farm(self.config)
        assert farm is not None
        backend = farm.backend(self.board)
        if not backend.emulated and not self.config.getoption("--farm-hardware"):
            pytest.skip(f"{self.board.name} is a physical board; run with --farm-hardware")
        presence = backend.presence()
        if not presence.present:
            if self.board.required:
                raise InfrastructureFailure(f"required board {self.board.name} is absent: {presence.reason}")
            pytest.skip(f"board {self.board.name} absent: {presence.reason}")

    def runtest(self) -> None:
        farm = _farm(self.config)
        assert farm is not None
        record: Record = farm.run(self.board.name, self.model)
        self._record_properties(record)
        if record.verdict == "error":
            kind = "model" if record.error_class == "model" else "infrastructure"
            raise InfrastructureFailure(f"{self.board.name}::{self.model}: {kind} error: {record.error}")
        if self.check == "smoke":
            return
        missed = [r for r in for_check(record.budget_results(), self.check) if not r.ok]
        if missed:
            lines = [f"{self.board.name}::{self.model}: {r.describe()}" for r in missed]
            raise BudgetMissed("\n".join(lines))

    def _record_properties(self, record: Record) -> None:
        self.user_properties.append(("board", record.board))
        self.user_properties.append(("model", record.model))
        for key, value in record.identity.items():
            self.user_properties.append((f"identity.{key}", value))
        for result in for_check(record.budget_results(), self.check):
            for field in ("limit", "actual", "unit", "margin"):
                self.user_properties.append((f"{result.name}.{field}", getattr(result, field)))
            for field in ("basis", "detail"):  # e.g. smoke accuracy: the Wilson bound it applied
                if getattr(result, field):
                    self.user_properties.append((f"{result.name}.{field}", getattr(result, field)))
        if self.check == "accuracy":
            for key in ("accuracy", "accuracy_ci_low", "accuracy_ci_high", "accuracy_ci_level", "samples"):
                if record.metrics.get(key) is not None:
                    self.user_properties.append((key, record.metrics[key]))
        if self.check == "latency":
            self.user_properties.append(("latency_kind", record.latency_kind))
            for key in ("latency_p50_ms", "latency_p95_ms", "latency_max_ms", "cycles_p95"):
                self.user_properties.append((key, record.metrics.get(key)))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, BudgetMissed | InfrastructureFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.board.name}::{self.model}::{self.check}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    farm = _farm(session.config)
    if farm is None:
        return
    # On an xdist controller: every worker's records merged into results.json.
    results = parallel.final_results(session.config, farm)
    if results is not None and importlib.util.find_spec("harness.gate.finish") is not None:
        from harness.gate.finish import write_reports

        write_reports(results, farm.reports)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    farm = _farm(config)
    if farm is None or not farm.records:
        return
    print_summary(farm.records.values())
    terminalreporter.write_line(f"tinyfarm reports: {farm.reports}")
