"""Users' own tests get farm, board, model, agent and reference fixtures."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import FIXTURES

FARM = """
[[boards]]
name = "host-a"
backend = "fake"
tags = ["fast"]

[[boards]]
name = "host-b"
backend = "fake"

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 5
"""

USER_TESTS = """
import numpy as np
import pytest


def test_agent_matches_reference(agent, model, reference, board):
    x = model.inputs[0]
    out = agent.infer(x.tobytes()).output
    assert out == reference.run(x).tobytes()
    assert agent.info.board == board.name


@pytest.mark.farm_requires("fast")
def test_only_on_tagged_boards(board, farm):
    assert board.name == "host-a"
    assert farm.config.name == "farm"
"""


def test_fixtures_parametrize_over_boards_and_models(pytester: pytest.Pytester) -> None:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    pytester.makefile(".toml", farm=FARM)
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        "--farm", "farm.toml", "test_user.py", "-v", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_agent_matches_reference?host-a-digits?*PASSED*",
            "*test_agent_matches_reference?host-b-digits?*PASSED*",
        ]
    )
