"""Board profiles: what ships, and how farm.toml boards inherit from them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from harness.backends import BACKENDS
from harness.backends.base import BoardBackend, LatencyModel
from harness.config import profiles
from harness.config.load import Key, load
from harness.errors import ConfigError

WriteFarm = Callable[..., Path]

MODEL = """
[[models]]
name = "m"
path = "models/digits_mlp_int8.tflite"
"""
FILES = ("models/digits_mlp_int8.tflite",)


class _Physical(BoardBackend):
    """A physical-board backend for config tests only."""

    config_keys: ClassVar[dict[str, Key]] = {}

    def flash(self, firmware: Any, model: bytes | None) -> None:
        raise NotImplementedError

    def link_url(self) -> str:
        raise NotImplementedError

    def latency_model(self, counter_hz: int) -> LatencyModel:
        return LatencyModel("measured", 1.0)


@pytest.fixture
def physical_backend() -> Iterator[str]:
    BACKENDS.register("t-physical", _Physical)
    yield "t-physical"
    BACKENDS._targets.pop("t-physical", None)


def test_the_issue_boards_ship_with_their_datasheet_figures() -> None:
    expected = {
        "nano33ble": ("cortex-m4f", 64_000_000, 1 << 20, 256 << 10),
        "sparkfun-edge2": ("cortex-m4f", 48_000_000, 1 << 20, 384 << 10),
        "esp-eye": ("xtensa-lx6", 240_000_000, 4 << 20, 520 << 10),
        "himax-we-i": ("arc-em9d", 400_000_000, 2 << 20, 2 << 20),
        "nucleo-l4r5zi": ("cortex-m4f", 120_000_000, 2 << 20, 640 << 10),
    }
    for name, (core, clock, flash, ram) in expected.items():
        p = profiles.get(name)
        assert (p.core, p.clock_hz, p.flash_bytes, p.ram_bytes) == (core, clock, flash, ram), name
        assert p.port and p.title and p.soc
    assert profiles.get("nano33ble").emulator("qemu") == {"machine": "mps2-an386"}
    assert profiles.get("nano33ble").emulator("renode") == {"platform": "nrf52840"}
    assert profiles.get("nucleo-l4r5zi").emulator("qemu") == {"machine": "mps2-an386"}
    assert profiles.get("esp-eye").emulator("qemu") is None


def test_unknown_profile_lookup_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="nano33ble"):
        profiles.get("nano34")


def test_every_emulator_equivalent_is_valid_for_its_backend() -> None:
    for profile in profiles.PROFILES.values():
        for backend, keys in profile.emulators.items():
            accepted = BACKENDS.get(backend).config_keys
            for key, value in keys.items():
                assert accepted[key].check(value), (profile.name, backend, key, value)


def test_a_twin_inherits_clock_memory_and_machine_from_its_profile(write_farm: WriteFarm) -> None:
    path = write_farm(
        """
        [[boards]]
        name = "nano-twin"
        backend = "qemu"
        profile = "nano33ble"
        """
        + MODEL,
        FILES,
    )
    board = load(path).board("nano-twin")
    assert board.profile == "nano33ble"
    assert (board.clock_hz, board.flash_bytes, board.ram_bytes) == (64_000_000, 1_048_576, 262_144)
    assert board.options == {"machine": "mps2-an386"}
    assert board.target is None  # a twin runs its machine's port, not the nRF52840 one
    assert board.tags == ("cortex-m4f",)


def test_explicit_keys_win_over_the_profile(write_farm: WriteFarm) -> None:
    path = write_farm(
        """
        [[boards]]
        name = "small-twin"
        backend = "qemu"
        profile = "nano33ble"
        machine = "netduinoplus2"
        ram_bytes = 65_536
        tags = ["mine"]
        """
        + MODEL,
        FILES,
    )
    board = load(path).board("small-twin")
    assert board.ram_bytes == 65_536 and board.flash_bytes == 1_048_576
    assert board.options["machine"] == "netduinoplus2"
    assert board.tags == ("mine",)


def test_equivalent_of_reaches_the_physical_boards_profile(
    write_farm: WriteFarm, physical_backend: str
) -> None:
    path = write_farm(
        f"""
        [[boards]]
        name = "nano33-1"
        backend = "{physical_backend}"
        profile = "nano33ble"
        ram_bytes = 200_000               # this unit's limit, say

        [[boards]]
        name = "nano33-emu"
        backend = "qemu"
        equivalent_of = "nano33-1"
        """
        + MODEL,
        FILES,
    )
    config = load(path)
    physical, twin = config.board("nano33-1"), config.board("nano33-emu")
    assert physical.target == "nrf52840"  # a physical board runs the profile's firmware port
    assert twin.profile == "nano33ble"
    assert twin.ram_bytes == 200_000  # from the board it stands in for, which wins over the profile
    assert twin.clock_hz == 64_000_000
    assert twin.options == {"machine": "mps2-an386"}  # the emulator keys from the profile


def test_unknown_profile_is_a_config_error(write_farm: WriteFarm) -> None:
    path = write_farm(
        """
        [[boards]]
        name = "x"
        backend = "qemu"
        profile = "nano34"
        """
        + MODEL,
        FILES,
    )
    with pytest.raises(ConfigError, match=r"boards\[0\]\.profile: unknown profile 'nano34'.*nano33ble"):
        load(path)


def test_profile_without_an_equivalent_for_the_backend_says_so(write_farm: WriteFarm) -> None:
    path = write_farm(
        """
        [[boards]]
        name = "eye-twin"
        backend = "qemu"
        profile = "esp-eye"
        """
        + MODEL,
        FILES,
    )
    with pytest.raises(ConfigError) as info:
        load(path)
    text = str(info.value)
    assert "boards[0].machine" in text and "'esp-eye' has no qemu equivalent" in text
    assert "nano33ble" in text  # which profiles do have one


def test_default_farm_has_profile_based_twins() -> None:
    config = load(Path(__file__).resolve().parents[2] / "farm.toml")
    nano, nucleo = config.board("nano33ble-emu"), config.board("nucleo-l4r5zi-emu")
    assert nano.profile == "nano33ble" and nano.ram_bytes == 262_144 and nano.clock_hz == 64_000_000
    assert nucleo.profile == "nucleo-l4r5zi" and nucleo.options["machine"] == "mps2-an386"
    assert (nucleo.clock_hz, nucleo.flash_bytes, nucleo.ram_bytes) == (120_000_000, 2_097_152, 655_360)
    assert config.board("stm32f4-emu").options["machine"] == "netduinoplus2"
