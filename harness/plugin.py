"""The pytest plugin: `pytest --farm farm.toml` turns farm.toml into test items.

Items are `board::model::check` for the checks smoke, accuracy, agreement,
latency, memory and baseline. The first item of a board × model runs it
(flash, stream the samples); every item then judges its own budgets, and
records each limit and actual value as JUnit properties.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib.util
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import outcome
from harness.boards.firmware import AgentDoesNotFit
from harness.config import load as configload
from harness.config.model import BoardConfig
from harness.errors import INFRASTRUCTURE, ConfigError, FarmError
from harness.gate.budgets import for_check
from harness.gate.progress import Progress
from harness.gate.record import Record
from harness.gate.terminal import print_summary
from harness.link.session import AgentSession
from harness.run import parallel
from harness.run.farm import Farm
from harness.run.live import LiveRun

FARM_KEY = pytest.StashKey[Farm]()
OUTCOME_KEY = pytest.StashKey[outcome.RunOutcome]()
PROGRESS_KEY = pytest.StashKey[Progress]()
SIGTERM_KEY = pytest.StashKey[Any]()
# Files of an earlier run that must not outlive the start of a new one: a
# stale manifest could be promoted, stale results read as this run's.
STALE_REPORTS = ("manifest.json", "results.json", "report.html")


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
    report_opt = config.getoption("--farm-report")
    if parallel.worker_id(config) is None:  # before anything else can fail
        _remove_stale_reports(
            Path(report_opt).resolve() if report_opt else configload.reports_dir(Path(path))
        )
    try:
        farm_config = configload.load(path)
        reports = Path(report_opt).resolve() if report_opt else farm_config.reports
        farm = Farm(farm_config, smoke=config.getoption("--farm-smoke"), reports=reports)
    except ConfigError as exc:
        pytest.exit(f"invalid farm: {outcome.printable(exc)}", returncode=outcome.EXIT_USAGE)
    config.stash[FARM_KEY] = farm
    config.stash[SIGTERM_KEY] = outcome.catch_sigterm()
    if parallel.worker_id(config) is None:
        config.stash[PROGRESS_KEY] = Progress(_uncaptured_writer(config), sys.stdout.isatty())
    run_outcome = outcome.RunOutcome(
        (b.name for b in farm_config.boards), (m.name for m in farm_config.models), expected_pairs(config)
    )
    config.stash[OUTCOME_KEY] = run_outcome
    config.pluginmanager.register(run_outcome, "tinyfarm-outcome")
    config.pluginmanager.register(JunitLabels(farm), "tinyfarm-junit")
    parallel.configure(config, farm)  # leases, whole boards per xdist worker, merged results.json
    if config.option.xmlpath is None:
        config.option.xmlpath = str(reports / "junit.xml")
    if not any(o.startswith("junit_suite_name=") for o in config.option.override_ini or []):
        # JUnit's suite carries the farm's name (dashboards group by it), not "pytest".
        config.option.override_ini = [
            *(config.option.override_ini or []),
            f"junit_suite_name={farm_config.name}",
        ]
    config.args = collected_paths(config, farm_config.path)


def collected_paths(config: pytest.Config, farm_file: Path) -> list[str]:
    """The farm's checks always run, beside the tests the command line names; with no
    paths, beside the configured `testpaths` (none: the farm alone, not the whole folder)."""
    given = list(config.args)
    if config.args_source == pytest.Config.ArgsSource.INVOCATION_DIR:
        given = []
    farm_arg = str(farm_file)
    if any(Path(arg.split("::")[0]).resolve() == farm_file for arg in given):
        return given
    return [farm_arg, *given]


def _uncaptured_writer(config: pytest.Config) -> Callable[[str], None]:
    """Writes that reach the terminal while an item runs (pytest captures its output)."""

    def write(text: str) -> None:
        capman = config.pluginmanager.getplugin("capturemanager")
        with capman.global_and_fixture_disabled() if capman is not None else contextlib.nullcontext():
            sys.stdout.write(text)
            sys.stdout.flush()

    return write


def _remove_stale_reports(reports: Path) -> None:
    for name in STALE_REPORTS:
        (reports / name).unlink(missing_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(SIGTERM_KEY, None)
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def expected_pairs(config: pytest.Config) -> list[tuple[str, str]]:
    """Every board × model this run must judge for the gate to pass: the selected
    ones, physical boards only with --farm-hardware."""
    farm = _farm(config)
    assert farm is not None
    hardware = bool(config.getoption("--farm-hardware"))
    boards = [b for b in selected_boards(config) if hardware or _emulated(b)]
    return [(b.name, m) for b in boards for m in selected_models(config)]


def _emulated(board: BoardConfig) -> bool:
    from harness.registry import BACKENDS

    return bool(BACKENDS.get(board.backend).emulated)


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
        self.record: Record = Record(board.name, model)

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
        """Measure this board × model (once; its first check does it). An infrastructure
        error is reported once, as this item's error; the pair's other checks are not judged."""
        farm = _farm(self.config)
        assert farm is not None
        backend = farm.backend(self.board)
        if not backend.emulated and not self.config.getoption("--farm-hardware"):
            pytest.skip(f"{self.board.name} is a physical board; run with --farm-hardware")
        presence = backend.presence()
        if not presence.present:
            if not backend.emulated and not self.board.required:
                pytest.skip(f"board {self.board.name} absent: {presence.reason}")
            name = self.board.name
            why = (
                f"emulated board {name} cannot start"
                if backend.emulated
                else f"required board {name} is absent"
            )
            farm.record_error(name, self.model, INFRASTRUCTURE, f"{why}: {presence.reason}")
        self.record = self._run(farm)
        if self.record.verdict != "error":
            return
        first = farm.claim_error_report(self.board.name, self.model, self.check)
        if first != self.check:
            pytest.skip(
                f"not judged: {self.board.name}::{self.model} had an error, reported by its {first} check"
            )
        if self.record.error_class != "model":
            self.user_properties.append(("error_class", INFRASTRUCTURE))
            error = outcome.printable(self.record.error)
            raise InfrastructureFailure(f"{self.board.name}::{self.model}: infrastructure error: {error}")

    def _run(self, farm: Farm) -> Record:
        """The pair's record, measured now if no check of it ran yet (with progress)."""
        progress = self.config.stash.get(PROGRESS_KEY, None)
        if progress is None or (self.board.name, self.model) in farm.records:
            return farm.run(self.board.name, self.model)
        pair = f"{self.board.name}::{self.model}"
        model = farm.models[self.model]
        total = len(model.inputs) * (2 if model.baseline is not None else 1)
        counted = {"offset": 0, "last": 0}  # the baseline's samples follow the candidate's

        def advance(name: str, done: int, of: int) -> None:
            if done < counted["last"]:
                counted["offset"] += counted["last"]
            counted["last"] = done
            progress.advance(pair, counted["offset"] + done, total)

        progress.start(pair, total)
        record = farm.run(self.board.name, self.model, advance)
        progress.end(pair, record.verdict)
        return record

    def runtest(self) -> None:
        record = self.record
        self._record_properties(record)
        if record.verdict == "error":  # a model error: the model, not the board, failed
            raise BudgetMissed(
                f"{self.board.name}::{self.model}: model error: {outcome.printable(record.error)}"
            )
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


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Build the agent for every board this run selected, before any board starts: an
    agent that cannot fit its board is a config error (exit 2), found in seconds. Other
    build failures are left to the board's checks, which report them as errors."""
    farm = _farm(session.config)
    if farm is None or parallel.worker_id(session.config) is not None:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    boards = dict.fromkeys(board for board, _ in expected_pairs(session.config))
    for name in boards:
        try:  # a board that needs its lease first (a labgrid place) is built when it runs
            backend = farm.backend(farm.config.board(name))
            if reporter is not None:
                reporter.write_line(f"tinyfarm: building the agent for {name} ({backend.target})")
            farm.firmware(backend)
        except AgentDoesNotFit as exc:
            pytest.exit(f"invalid farm: {outcome.printable(exc)}", returncode=outcome.EXIT_USAGE)
        except (FarmError, ValueError):
            continue


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    farm = _farm(session.config)
    run_outcome = session.config.stash.get(OUTCOME_KEY, None)
    if farm is None or run_outcome is None:
        return
    # On an xdist controller: every worker's records merged into results.json.
    results = parallel.final_results(session.config, farm)
    if results is None:  # an xdist worker: the controller concludes
        return
    farm.status = run_outcome.status(results, exitstatus)
    results.update(farm.status)
    parallel.write_final(farm, results)
    if importlib.util.find_spec("harness.gate.finish") is not None:
        from harness.gate.finish import write_reports

        write_reports(results, farm.reports)
    session.exitstatus = run_outcome.exit_code(results, exitstatus)
    farm.final_results = results


class JunitLabels:
    """Runs after pytest's junitxml has written the file: suite named after the farm,
    farm checks under classname `board.model`."""

    def __init__(self, farm: Farm):
        self.farm = farm

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from harness.gate.junit import relabel

        xmlpath = session.config.option.xmlpath
        if not xmlpath or parallel.worker_id(session.config) is not None:
            return
        config = self.farm.config
        root = session.config.rootpath
        farm_file = (
            config.path.relative_to(root).as_posix() if config.path.is_relative_to(root) else config.path.name
        )
        boards, models = {b.name for b in config.boards}, {m.name for m in config.models}
        relabel(Path(xmlpath), config.name, farm_file, boards, models)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    farm = _farm(config)
    run_outcome = config.stash.get(OUTCOME_KEY, None)
    results = getattr(farm, "final_results", None)
    if farm is None or run_outcome is None or results is None:
        return
    if farm.records:
        print_summary(farm.records.values())
    nothing = run_outcome.nothing_tested(results)
    if nothing:
        terminalreporter.write_line(nothing, red=True, bold=True)
    elif results.get("status") == "incomplete":
        terminalreporter.write_line(f"tinyfarm: INCOMPLETE: {results.get('reason')}", yellow=True, bold=True)
        for entry in results.get("not_run") or []:
            reason = outcome.printable(entry["reason"])
            terminalreporter.write_line(f"  not judged: {entry['board']}::{entry['model']}: {reason}")
    terminalreporter.write_line(f"tinyfarm reports: {farm.reports}")
