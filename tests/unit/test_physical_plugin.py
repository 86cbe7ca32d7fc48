"""The pytest plugin with physical boards: opt-in, skipped when absent, an error when required."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import FIXTURES

FARM = """
[[boards]]
name = "nano-1"
backend = "pyocd"
target = "nrf52840"
probe = "NO-SUCH-PROBE-0001"
serial = {{ vid = 0x0d28, pid = 0x0204, serial_number = "NO-SUCH-PROBE-0001" }}
required = {required}

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "digits_test.npz"
samples = 5
"""


def run(pytester: pytest.Pytester, required: bool, *args: str) -> pytest.RunResult:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    pytester.makefile(".toml", farm=FARM.format(required=str(required).lower()))
    return pytester.runpytest_subprocess("--farm", "farm.toml", "-p", "no:cacheprovider", "-rs", *args)


def test_physical_boards_need_farm_hardware(pytester: pytest.Pytester) -> None:
    result = run(pytester, False)
    result.assert_outcomes(skipped=5)
    result.stdout.fnmatch_lines(["*nano-1 is a physical board; run with --farm-hardware*"])


def test_absent_board_is_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    result = run(pytester, False, "--farm-hardware")
    result.assert_outcomes(skipped=5)
    # "no debug probe NO-SUCH-PROBE-0001", or that pyocd is not installed here
    result.stdout.fnmatch_lines(["*board nano-1 absent: *"])


def test_absent_required_board_is_an_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, True, "--farm-hardware")
    result.assert_outcomes(errors=1, skipped=4)  # reported once; the pair's other checks are not judged
    result.stdout.fnmatch_lines(["*required board nano-1 is absent*"])
    assert result.ret != 0
