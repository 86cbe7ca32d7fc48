"""`farm discover`, `farm list` and `farm flash` for physical boards."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from harness.cli import main
from harness.config import load as configload
from tests.conftest import FIXTURES, ROOT
from tests.unit.physical_fakes import FakeEsptool, FakeProbe, FakePyocd, fake_ports, usb_port

DAP_ID = "0240000034544E45001E0012"
FARM_HEAD = """
[farm]
name = "rack"

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
"""


@pytest.fixture
def farm_dir(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", tmp_path)
    return tmp_path


@pytest.fixture
def attached(monkeypatch: pytest.MonkeyPatch) -> FakeEsptool:
    """A DAPLink board (probe + its CDC port), an ESP32-S3 and an unknown CH340 bridge... and a twin."""
    FakePyocd([FakeProbe(DAP_ID, target="nrf52840", board="nRF52840-DK")]).install(monkeypatch)
    fake_ports(
        monkeypatch,
        [
            usb_port("/dev/ttyACM0"),  # the DAPLink's UART: same serial number as the probe
            usb_port("/dev/ttyACM1", 0x303A, 0x1001, "F4:12:FA:00:11:22", "1-1.2:1.0", "USB JTAG/serial"),
            usb_port("/dev/ttyUSB0", 0x1A86, 0x7522, None, "1-1.3", "USB Serial"),
        ],
    )
    return FakeEsptool(chip="ESP32-S3", mac=(0xF4, 0x12, 0xFA, 0x00, 0x11, 0x22)).install(monkeypatch)


def test_discover_on_this_machine_is_an_answer_not_an_error(tmp_path: Path) -> None:
    """Whatever is (not) attached here: exit 0, and stdout is valid TOML."""
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "--farm", str(tmp_path / "none.toml"), "discover", "--no-esp"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    tomllib.loads(done.stdout)
    assert "USB serial ports:" in done.stderr
    if not tomllib.loads(done.stdout):
        assert done.stdout.startswith("# farm discover: no debug probes, USB serial ports or ESP chips found")


def test_discover_writes_entries_that_load_and_list_as_present(
    farm_dir: Path, attached: FakeEsptool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--farm", str(farm_dir / "absent.toml"), "discover"]) == 0
    text = capsys.readouterr().out
    boards = tomllib.loads(text)["boards"]
    assert boards == [
        {
            "name": "nrf52840-dk-1",
            "backend": "pyocd",
            "profile": "nrf52840-dk",  # from the probe's board name: no bootloader, UART P0.06/P0.08
            "probe": DAP_ID,
            "serial": {"vid": 0x0D28, "pid": 0x0204, "serial_number": DAP_ID},
        },
    ]
    # the ESP32-S3 is there, commented out: tinyfarm has no port for it, and says the ways in
    assert '# backend = "esptool"' in text and '# mac = "f4:12:fa:00:11:22"' in text
    assert "tinyfarm has no firmware port 'esp32s3'" in text and "EEMBC protocol" in text
    # the unknown bridge is there, commented out, with its identity (no serial number: the location)
    assert '# serial = { vid = 0x1a86, pid = 0x7522, location = "1-1.3" }' in text
    assert "needs a flash_command" in text
    assert ("detect", "/dev/ttyACM1") in attached.calls and ("detect", "/dev/ttyUSB0") not in attached.calls

    farm = farm_dir / "farm.toml"
    farm.write_text(FARM_HEAD)
    assert main(["--farm", str(farm), "discover", "--write", str(farm)]) == 0
    config = configload.load(farm)  # what discover wrote validates
    assert [b.name for b in config.boards] == ["nrf52840-dk-1"]
    dk = config.boards[0]
    variant = (dk.target, dk.app_start, dk.uart_tx_pin, dk.uart_rx_pin, dk.bootloader)
    assert variant == ("nrf52840", 0, 6, 8, False)

    capsys.readouterr()
    assert main(["--farm", str(farm), "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["nrf52840-dk-1"]["status"] == "present"
    assert rows["nrf52840-dk-1"]["identity"] == {
        "backend": "pyocd",
        "probe": DAP_ID,
        "vid:pid": "0d28:0204",
        "serial_number": DAP_ID,
        "port": "/dev/ttyACM0",
    }

    # discovering again finds nothing new: those boards are in the file
    assert main(["--farm", str(farm), "discover", "--no-esp"]) == 0
    assert "nrf52840-dk-1" not in capsys.readouterr().out


def test_discover_says_when_it_cannot_tell_the_board_variant(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A J-Link on an nRF52840 says nothing of the board: Nano 33 BLE or DK? Commented out, both named."""
    FakePyocd([FakeProbe("000683123456", target="nrf52840")]).install(monkeypatch)
    fake_ports(monkeypatch, [])
    assert main(["--farm", str(tmp_path / "absent.toml"), "discover", "--no-esp"]) == 0
    text = capsys.readouterr().out
    assert tomllib.loads(text) == {}  # nothing active: a guess could link the agent over a bootloader
    assert "cannot tell which nrf52840 board this is" in text
    assert "nano33ble (bootloader below 0x10000, UART TX 35 RX 42)" in text
    assert "nrf52840-dk (no bootloader, agent at 0x0, UART TX 6 RX 8)" in text
    assert '# pyocd_target = "nrf52840"' in text


def test_list_shows_absent_physical_boards_with_reasons(
    farm_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    FakePyocd([]).install(monkeypatch)
    fake_ports(monkeypatch, [])
    farm = farm_dir / "farm.toml"
    farm.write_text(
        FARM_HEAD
        + f"""
[[boards]]
name = "nano-1"
backend = "pyocd"
target = "nrf52840"
probe = "{DAP_ID}"
serial = {{ vid = 0x0d28, pid = 0x0204, serial_number = "{DAP_ID}" }}

[[boards]]
name = "stm-1"
backend = "command"
target = "netduinoplus2"
serial = {{ vid = 0x0483, pid = 0x374b, location = "1-1.4" }}
flash_command = "{sys.executable} -c pass {{elf}}"

[[boards]]
name = "emu"
backend = "fake"
"""
    )
    assert main(["--farm", str(farm), "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["nano-1"]["status"] == "absent" and rows["nano-1"]["reason"] == f"no debug probe {DAP_ID}"
    assert rows["stm-1"]["reason"] == "no serial port with 0483:374b location=1-1.4"
    assert rows["emu"]["status"] == "present"
    assert main(["--farm", str(farm), "list"]) == 0
    table = capsys.readouterr().out
    assert "nano-1" in table and "absent (no debug probe" in table and "location=1-1.4" in table


def test_list_shows_a_board_whose_port_another_process_holds_as_busy(
    farm_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    device = farm_dir / "ttyACM0"
    device.write_text("")
    fake_ports(monkeypatch, [usb_port(str(device), 0x0483, 0x374B, "ABC")])
    farm = farm_dir / "farm.toml"
    farm.write_text(
        FARM_HEAD
        + f"""
[[boards]]
name = "stm-1"
backend = "command"
target = "netduinoplus2"
serial = {{ serial_number = "ABC" }}
flash_command = ["{sys.executable}", "-c", "pass"]
"""
    )
    with device.open() as handle:
        holder = subprocess.Popen(["sleep", "30"], stdin=handle)
    try:
        assert main(["--farm", str(farm), "list", "--json"]) == 0
        (row,) = json.loads(capsys.readouterr().out)
    finally:
        holder.kill()
        holder.wait()
    assert row["status"] == "busy" and row["reason"] == f"{device} open by pid {holder.pid}"
    assert main(["--farm", str(farm), "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "present"


def test_flash_of_an_absent_board_is_a_clear_error(
    farm_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    FakePyocd([]).install(monkeypatch)
    farm = farm_dir / "farm.toml"
    board = (
        f'name = "nano-1"\nbackend = "pyocd"\ntarget = "host"\npyocd_target = "nrf52840"\nprobe = "{DAP_ID}"'
    )
    farm.write_text(FARM_HEAD + f"\n[[boards]]\n{board}\n")
    assert main(["--farm", str(farm), "flash", "nano-1", "--model", "digits"]) == 3  # infrastructure
    assert f"board nano-1: no debug probe {DAP_ID}" in capsys.readouterr().err
