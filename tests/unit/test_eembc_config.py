"""farm.toml keys for EEMBC boards: validated with key paths like every other key."""

from __future__ import annotations

import pytest

from harness.config.eembc import substitute
from harness.config.load import load
from harness.errors import ConfigError

BOARDS = """
[[boards]]
name = "dut"
backend = "serial"
protocol = "{protocol}"
port = "/dev/ttyACM0"
"""


def farm(write_farm, protocol: str = "eembc", model: str = 'dataset = "data/digits_test.npz"'):  # type: ignore[no-untyped-def]
    return write_farm(
        BOARDS.format(protocol=protocol) + f'[[models]]\nname = "m"\n{model}\n', ("data/digits_test.npz",)
    )


def test_eembc_board_and_pathless_model_load(write_farm) -> None:  # type: ignore[no-untyped-def]
    config = load(farm(write_farm, model='dataset = "data/digits_test.npz"\nfirmware = "fw/{board}.elf"'))
    assert config.boards[0].protocol == "eembc" and config.boards[0].options == {"port": "/dev/ttyACM0"}
    assert config.boards[0].eembc_infer_n == 20 and config.boards[0].eembc_warmup == 5
    assert config.models[0].path is None and config.models[0].firmware == "fw/{board}.elf"


@pytest.mark.parametrize(
    ("protocol", "model", "message"),
    [
        ("mlperf", 'dataset = "data/digits_test.npz"', "boards[0].protocol: wrong value 'mlperf'"),
        ("tinyfarm", 'dataset = "data/digits_test.npz"', "models[0].path: missing, and board 'dut' speaks"),
        ("eembc", 'build = ["make"]\ndataset = "data/digits_test.npz"', "models[0].firmware: missing: build"),
        ("eembc", 'build = ["make", "{shell}"]', "models[0].build: wrong value"),
        ("eembc", 'build = "make all"', "models[0].build: wrong value 'make all'"),
        ("eembc", 'firmware = "x.elf"', "models[0].dataset: missing"),
    ],
)
def test_eembc_mistakes_name_the_key(write_farm, protocol: str, model: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as info:
        load(farm(write_farm, protocol, model))
    assert message in str(info.value)


def test_placeholders_take_only_identifiers() -> None:
    assert substitute("build/{board}/{model}.elf", "kws", "l4r5-1") == "build/l4r5-1/kws.elf"
    for bad in ("../x", "a b", "x;rm", "", ".hidden"):
        with pytest.raises(ValueError):
            substitute("{board}", "kws", bad)
