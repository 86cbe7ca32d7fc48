"""Opt-in tests on physical boards: `pytest tests/hardware --farm-hardware --farm RACK.toml`.

Without --farm-hardware every test here is skipped with the reason; with it,
the tests run once per physical board of the farm file (--farm), and a
board that is absent is skipped with the reason (an error when the farm
file marks it required).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends import BACKENDS
from harness.config import load as configload
from harness.config.model import BoardConfig

HERE = Path(__file__).resolve().parent


def _here(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--farm-hardware", default=False):
        return
    skip = pytest.mark.skip(
        reason="hardware test: run with --farm-hardware --farm FILE (physical boards attached)"
    )
    for item in items:
        if _here(item):
            item.add_marker(skip)


def physical_boards(config: pytest.Config) -> list[BoardConfig]:
    path = config.getoption("--farm", default=None)
    if not path or not config.getoption("--farm-hardware", default=False):
        return []
    farm = configload.load(path)
    return [b for b in farm.boards if not BACKENDS.get(b.backend).emulated]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "physical_board" not in metafunc.fixturenames:
        return
    boards = physical_boards(metafunc.config)
    if boards:
        metafunc.parametrize("physical_board", boards, ids=[b.name for b in boards])
    else:
        if not metafunc.config.getoption("--farm-hardware", default=False):
            reason = "hardware test: run with --farm-hardware --farm FILE (physical boards attached)"
        else:
            reason = "no physical boards in the farm file: pass --farm FILE naming some"
        metafunc.parametrize("physical_board", [pytest.param(None, marks=pytest.mark.skip(reason=reason))])
