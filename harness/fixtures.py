"""Fixtures for users' own tests: farm, board, model, agent, reference.

A test that asks for `board` runs once per selected board, one that asks for
`model` once per selected model (markers farm_board("glob") and
farm_requires("tag") narrow the boards). `agent` is a live session with the
model loaded, shared by the tests of that board × model.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

import pytest

from harness.config.model import BoardConfig
from harness.models.prepare import PreparedModel
from harness.models.reference import Reference
from harness.run.agent import Agent
from harness.run.farm import Farm
from harness.run.runner import BoardRun


def farm_of(config: pytest.Config) -> Farm:
    from harness.plugin import FARM_KEY

    farm = config.stash.get(FARM_KEY, None)
    if farm is None:
        pytest.skip("tinyfarm fixtures need --farm farm.toml")
    return farm


def boards_for(metafunc: pytest.Metafunc, farm: Farm) -> tuple[list[BoardConfig], str]:
    """The boards a test runs on, and why there are none when there are none."""
    from harness.plugin import selected_boards

    boards = selected_boards(metafunc.config)
    why = "no board matches --farm-board"
    for marker in metafunc.definition.iter_markers("farm_board"):
        boards = [b for b in boards if fnmatch.fnmatchcase(b.name, marker.args[0])]
        why = f"no selected board matches farm_board({marker.args[0]!r})"
    for marker in metafunc.definition.iter_markers("farm_requires"):
        boards = [b for b in boards if marker.args[0] in b.tags]
        why = f"no selected board has the tag {marker.args[0]!r} (farm_requires)"
    return boards, why


def _parametrized_by_the_test(metafunc: pytest.Metafunc) -> set[str]:
    """Argument names the test parametrizes itself (its own `model`, say): left to it."""
    names: set[str] = set()
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", "")
        names.update(n.strip() for n in (argnames.split(",") if isinstance(argnames, str) else argnames))
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from harness.plugin import FARM_KEY, selected_models

    farm = metafunc.config.stash.get(FARM_KEY, None)
    if farm is None:
        return
    wants = set(metafunc.fixturenames) - _parametrized_by_the_test(metafunc)
    if wants & {"board", "agent"}:
        boards, why = boards_for(metafunc, farm)
        names: list[Any] = [b.name for b in boards]
        if not names:  # pytest's own words would be "got empty parameter set"
            names = [pytest.param(None, marks=pytest.mark.skip(reason=why), id="no-board")]
        metafunc.parametrize("board", names, indirect=True, scope="session")
    if wants & {"model", "agent", "reference"}:
        models = selected_models(metafunc.config)
        metafunc.parametrize("model", models, indirect=True, ids=models, scope="session")


@pytest.fixture(scope="session")
def farm(pytestconfig: pytest.Config) -> Farm:
    """The farm of `--farm farm.toml`: `.config` (boards, models, budgets), `.models`
    (prepared), `.records` (board × model results judged so far)."""
    return farm_of(pytestconfig)


@pytest.fixture(scope="session")
def board(request: pytest.FixtureRequest, farm: Farm) -> BoardConfig:
    """One board of the farm (name, backend, clock, memory, tags): the test runs once per
    selected board; narrow with @pytest.mark.farm_board("glob") or farm_requires("tag")."""
    return farm.config.board(request.param)


@pytest.fixture(scope="session")
def model(request: pytest.FixtureRequest, farm: Farm) -> PreparedModel:
    """One model of the farm, prepared: `.inputs` (the dataset as the model's input dtype),
    `.labels`, `.reference_outputs`, `.sha256`. The test runs once per selected model."""
    return farm.models[request.param]


@pytest.fixture(scope="session")
def reference(model: PreparedModel) -> Reference:
    """The host TFLite Micro interpreter for the model: `reference.run(x)` gives the
    outputs the device must match bit for bit."""
    return model.reference


@pytest.fixture(scope="session")
def agent(farm: Farm, board: BoardConfig, model: PreparedModel) -> Iterator[Agent]:
    """The board running the model (flashed, booted, verified), shared by the tests of that
    board × model: `agent.infer(x)` takes a NumPy sample and returns the output array;
    `agent.stats()`, `agent.echo(b)`, `agent.last_ticks`; `agent.session` for raw frames."""
    backend = farm.backend(board)
    try:
        run = BoardRun(backend, farm.firmware(backend), model.data)
    except BaseException:
        backend.close()
        raise
    try:
        yield Agent(run, model)
    finally:
        run.close()
        backend.close()
