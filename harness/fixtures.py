"""Fixtures for users' own tests: farm, board, model, agent, reference.

A test that asks for `board` runs once per selected board, one that asks for
`model` once per selected model (markers farm_board("glob") and
farm_requires("tag") narrow the boards). `agent` is a live session with the
model loaded, shared by the tests of that board × model.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

import pytest

from harness.config.model import BoardConfig
from harness.link.session import AgentSession
from harness.run.farm import Farm
from harness.run.models import PreparedModel
from harness.run.reference import Reference
from harness.run.runner import BoardRun


def farm_of(config: pytest.Config) -> Farm:
    from harness.plugin import FARM_KEY

    farm = config.stash.get(FARM_KEY, None)
    if farm is None:
        pytest.skip("tinyfarm fixtures need --farm farm.toml")
    return farm


def boards_for(metafunc: pytest.Metafunc, farm: Farm) -> list[BoardConfig]:
    from harness.plugin import selected_boards

    boards = selected_boards(metafunc.config)
    for marker in metafunc.definition.iter_markers("farm_board"):
        boards = [b for b in boards if fnmatch.fnmatchcase(b.name, marker.args[0])]
    for marker in metafunc.definition.iter_markers("farm_requires"):
        boards = [b for b in boards if marker.args[0] in b.tags]
    return boards


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from harness.plugin import FARM_KEY, selected_models

    farm = metafunc.config.stash.get(FARM_KEY, None)
    if farm is None:
        return
    wants = set(metafunc.fixturenames)
    if wants & {"board", "agent"}:
        names = [b.name for b in boards_for(metafunc, farm)]
        metafunc.parametrize("board", names, indirect=True, ids=names, scope="session")
    if wants & {"model", "agent", "reference"}:
        models = selected_models(metafunc.config)
        metafunc.parametrize("model", models, indirect=True, ids=models, scope="session")


@pytest.fixture(scope="session")
def farm(pytestconfig: pytest.Config) -> Farm:
    """The farm run: config, prepared models and results so far."""
    return farm_of(pytestconfig)


@pytest.fixture(scope="session")
def board(request: pytest.FixtureRequest, farm: Farm) -> BoardConfig:
    return farm.config.board(request.param)


@pytest.fixture(scope="session")
def model(request: pytest.FixtureRequest, farm: Farm) -> PreparedModel:
    return farm.models[request.param]


@pytest.fixture(scope="session")
def reference(model: PreparedModel) -> Reference:
    """The host TFLM interpreter for the model: the oracle for device outputs."""
    return model.reference


@pytest.fixture(scope="session")
def agent(farm: Farm, board: BoardConfig, model: PreparedModel) -> Iterator[AgentSession]:
    """A live session with the board's agent, the model flashed and loaded."""
    backend = farm.backend(board)
    try:
        run = BoardRun(backend, farm.firmware(backend), model.data)
    except BaseException:
        backend.close()
        raise
    try:
        yield run.session
    finally:
        run.close()
        backend.close()
