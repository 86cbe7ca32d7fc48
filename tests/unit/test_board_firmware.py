"""A board's firmware in farm.toml: prebuilt images, ports without firmware, board variants."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.backends.pyocd import PyocdBackend
from harness.boards.images import prebuilt
from harness.config.load import load
from harness.errors import ConfigError, FlashError
from harness.run.runner import build_firmware

WriteFarm = Callable[..., Path]
MODEL = '\n[[models]]\nname = "m"\npath = "models/digits_mlp_int8.tflite"\n'
FILES = ("models/digits_mlp_int8.tflite",)


def farm(write_farm: WriteFarm, board: str) -> Path:
    return write_farm('[[boards]]\nname = "b"\n' + board + MODEL, FILES)


def test_a_board_on_a_port_without_firmware_says_so_with_the_ways_in(write_farm: WriteFarm) -> None:
    with pytest.raises(ConfigError) as info:
        load(farm(write_farm, 'backend = "esptool"\nprofile = "esp-eye"\nserial = { vid = 0x10c4 }'))
    text = str(info.value)
    assert "boards[0].target: tinyfarm has no firmware port 'esp32' (Espressif ESP32" in text
    assert "prebuilt image" in text and "EEMBC protocol" in text
    with pytest.raises(ConfigError, match=r"boards\[0\]\.target: missing: a physical board needs"):
        load(farm(write_farm, 'backend = "esptool"\nserial = { vid = 0x10c4 }'))


def test_an_esp_partition_set_is_the_firmware_and_nothing_is_built(
    write_farm: WriteFarm, tmp_path: Path
) -> None:
    for name in ("boot.bin", "parts.bin", "agent.bin"):
        (tmp_path / name).write_bytes(name.encode())
    path = farm(
        write_farm,
        'backend = "esptool"\nprofile = "esp-eye"\nserial = { vid = 0x10c4 }\n'
        'image = { "0x1000" = "boot.bin", "0x8000" = "parts.bin", "0x10000" = "agent.bin" }',
    )
    board = load(path).boards[0]
    assert board.image is not None and [a for a, _ in board.image.parts] == [0x1000, 0x8000, 0x10000]
    from harness.backends.esptool import EsptoolBackend

    firmware = build_firmware(EsptoolBackend(board, tmp_path / "work"), tmp_path / "never-built")
    assert firmware.parts == board.image.parts and firmware.build_id == ""
    assert not (tmp_path / "never-built").exists()


def test_image_problems_are_config_errors(write_farm: WriteFarm, tmp_path: Path) -> None:
    (tmp_path / "fw.bin").write_bytes(b"x")
    (tmp_path / "fw.elf").write_bytes(b"x")
    base = 'backend = "pyocd"\nprobe = "X"\n'
    with pytest.raises(ConfigError, match=r"image_addr: missing: fw.bin is a raw binary"):
        load(farm(write_farm, base + 'image = "fw.bin"'))
    with pytest.raises(ConfigError, match=r"image: file not found: nope.hex"):
        load(farm(write_farm, base + 'image = "nope.hex"'))
    with pytest.raises(ConfigError, match=r"esptool cannot flash fw.elf"):
        load(farm(write_farm, 'backend = "esptool"\nserial = { vid = 1 }\nimage = "fw.elf"'))
    assert load(farm(write_farm, base + 'image = "fw.bin"\nimage_addr = 0x10000')).boards[0].image


def test_board_variants_come_from_the_profile_and_are_checked(write_farm: WriteFarm) -> None:
    nano = load(farm(write_farm, 'backend = "pyocd"\nprofile = "nano33ble"\nprobe = "X"')).boards[0]
    assert (nano.app_start, nano.bootloader, nano.uart_tx_pin, nano.uart_rx_pin) == (0x10000, True, 35, 42)
    assert nano.options["pyocd_target"] == "nrf52840"
    dk = load(farm(write_farm, 'backend = "pyocd"\nprofile = "nrf52840-dk"\nprobe = "X"')).boards[0]
    assert (dk.app_start, dk.bootloader, dk.uart_tx_pin, dk.uart_rx_pin) == (0, False, 6, 8)
    with pytest.raises(ConfigError, match=r"uart_tx_pin: wrong value 60 for port nrf52840"):
        load(farm(write_farm, 'backend = "pyocd"\nprofile = "nano33ble"\nprobe = "X"\nuart_tx_pin = 60'))
    with pytest.raises(ConfigError, match=r"app_start: port stm32l4 has no app_start setting"):
        load(farm(write_farm, 'backend = "pyocd"\nprofile = "nucleo-l4r5zi"\nprobe = "X"\napp_start = 0'))
    with pytest.raises(ConfigError, match=r"bootloader: true, but app_start is 0"):
        load(farm(write_farm, 'backend = "pyocd"\nprofile = "nano33ble"\nprobe = "X"\napp_start = 0'))


def test_a_physical_board_takes_its_ports_clock(write_farm: WriteFarm, tmp_path: Path) -> None:
    board = load(farm(write_farm, 'backend = "pyocd"\ntarget = "netduinoplus2"\nprobe = "X"')).boards[0]
    assert board.clock_hz is None and PyocdBackend(board, tmp_path).clock_hz == 168_000_000


def test_an_image_over_the_bootloader_is_refused(write_farm: WriteFarm, tmp_path: Path) -> None:
    (tmp_path / "fw.hex").write_text(":020000040000FA\n:0400000001020304F2\n:00000001FF\n")
    path = farm(write_farm, 'backend = "pyocd"\nprofile = "nano33ble"\nprobe = "X"\nimage = "fw.hex"')
    board = load(path).boards[0]
    assert board.image is not None
    backend = PyocdBackend(board, tmp_path / "work")
    with pytest.raises(FlashError, match=r"fw.hex writes 0x00000000-0x00000004, into the bootloader"):
        backend.check_bootloader(prebuilt(board.image, "nrf52840"))


def test_a_local_serial_path_that_does_not_exist_is_absent(write_farm: WriteFarm, tmp_path: Path) -> None:
    text = f'backend = "command"\ntarget = "netduinoplus2"\nurl = "{tmp_path}/ttyNONE"\n'
    text += 'flash_command = "true"'
    board = load(farm(write_farm, text)).boards[0]
    from harness.backends.command import CommandBackend

    assert CommandBackend(board, tmp_path).presence().reason == f"no serial device {tmp_path}/ttyNONE"
