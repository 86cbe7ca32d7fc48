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
    out = agent.infer(x)  # NumPy in, NumPy out
    np.testing.assert_array_equal(out, reference.run(x))
    assert out.dtype == np.int8 and out.shape == (1, 10)
    assert agent.hello.board == board.name
    assert agent.last_ticks > 0


@pytest.mark.farm_requires("gpu")
def test_needs_a_tag_no_board_has(board):
    raise AssertionError("never runs")


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
        "--farm", "farm.toml", "test_user.py", "-v", "-p", "no:cacheprovider", "-rs"
    )
    # the farm's checks (2 boards × 5) run beside the user's tests
    result.assert_outcomes(passed=2 * 5 + 3, skipped=1)
    result.stdout.fnmatch_lines(["*no selected board has the tag 'gpu' (farm_requires)*"])
    result.stdout.fnmatch_lines(
        [
            "*test_agent_matches_reference?host-a-digits?*PASSED*",
            "*test_agent_matches_reference?host-b-digits?*PASSED*",
        ]
    )


def test_no_paths_runs_the_farm_and_the_configured_testpaths(pytester: pytest.Pytester) -> None:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    pytester.makefile(".toml", farm=FARM)
    pytester.makeini("[pytest]\ntestpaths = checks\n")
    (pytester.path / "checks").mkdir()
    (pytester.path / "checks" / "test_mine.py").write_text("def test_board(board):\n    assert board.name\n")
    (pytester.path / "test_elsewhere.py").write_text("def test_not_collected():\n    raise AssertionError\n")
    result = pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2 * 5 + 2)


def test_fixtures_say_what_they_are(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", farm=FARM.replace("digits_mlp_int8.tflite", "m.tflite"))
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    for fixture in ("farm", "board", "model", "reference", "agent"):
        block = result.stdout.str().split(f"\n{fixture} [session scope]", 1)
        assert len(block) == 2, f"{fixture} is listed"
        first_line = block[1].lstrip("\n").splitlines()[0]
        assert "no docstring available" not in first_line and first_line.strip(), fixture
