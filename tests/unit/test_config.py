"""farm.toml validation: every error names the file, the key path and what is accepted."""

from __future__ import annotations

import pytest

from harness.config import load as configload
from harness.errors import ConfigError

MODEL = "models/digits_mlp_int8.tflite"
DATA = "data/digits_test.npz"

GOOD = f"""
[farm]
name = "t"

[[boards]]
name = "emu-1"
backend = "qemu"
machine = "mps2-an386"
clock_hz = 64_000_000

[[boards]]
name = "emu-2"
backend = "qemu"
machine = "netduinoplus2"
equivalent_of = "emu-1"
ram_bytes = 131072

[[models]]
name = "digits"
path = "{MODEL}"
dataset = "{DATA}"

[budgets.digits]
accuracy_min = 0.9
latency_p95_ms = 50

[budgets.digits."emu-2"]
latency_p95_ms = 80
"""


def load_error(write_farm, text: str) -> ConfigError:  # type: ignore[no-untyped-def]
    path = write_farm(text, (MODEL, DATA))
    with pytest.raises(ConfigError) as info:
        configload.load(path)
    assert str(path) in str(info.value)
    return info.value


def test_good_farm_loads_typed(write_farm) -> None:  # type: ignore[no-untyped-def]
    config = configload.load(write_farm(GOOD, (MODEL, DATA)))
    emu1, emu2 = config.boards
    assert emu1.options == {"machine": "mps2-an386"} and emu1.clock_hz == 64_000_000
    assert emu2.clock_hz == 64_000_000  # inherited from its equivalent
    assert emu2.ram_bytes == 131072  # its own value wins
    assert config.limits("digits", "emu-1") == {"accuracy_min": 0.9, "latency_p95_ms": 50.0}
    assert config.limits("digits", "emu-2")["latency_p95_ms"] == 80.0
    assert config.model("digits").path.is_file()


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (('machine = "mps2-an386"', 'machin = "mps2-an386"'), "boards[0].machin", "unknown key"),
        (('machine = "mps2-an386"', 'machine = "pdp11"'), "boards[0].machine", "mps2-an386"),
        (("clock_hz = 64_000_000", 'clock_hz = "fast"'), "boards[0].clock_hz", "an integer > 0"),
        (('backend = "qemu"', 'backend = "warp"'), "boards[0].backend", "qemu"),
        (('equivalent_of = "emu-1"', 'equivalent_of = "nope"'), "boards[1].equivalent_of", "emu-1"),
        (('name = "emu-2"', 'name = "emu-1"'), "boards[1].name", "duplicate"),
        (("accuracy_min = 0.9", "accuracy_min = 1.5"), "budgets.digits.accuracy_min", "0 to 1"),
        (("latency_p95_ms = 50", "latency_p95_ms = -1"), "budgets.digits.latency_p95_ms", "impossible"),
        (("latency_p95_ms = 50", "latency_p59_ms = 1"), "budgets.digits.latency_p59_ms", "unknown budget"),
        ((f'path = "{MODEL}"', 'path = "models/missing.tflite"'), "models[0].path", "not found"),
        (("[budgets.digits]\n", "[budgets.digitz]\n"), "budgets.digitz", "digits"),
    ],
)
def test_errors_name_key_and_accepted(write_farm, change, key, words) -> None:  # type: ignore[no-untyped-def]
    error = load_error(write_farm, GOOD.replace(*change, 1))
    assert error.key == key
    assert words in str(error)


def test_not_toml(write_farm) -> None:  # type: ignore[no-untyped-def]
    error = load_error(write_farm, "[[boards]\nname=")
    assert "not valid TOML" in str(error)


def test_no_boards(write_farm) -> None:  # type: ignore[no-untyped-def]
    error = load_error(write_farm, f'[[models]]\nname = "m"\npath = "{MODEL}"\n')
    assert error.key == "boards"
