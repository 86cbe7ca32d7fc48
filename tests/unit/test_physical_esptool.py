"""The esptool backend against a recording fake of esptool's Python API."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness.backends.esptool import EsptoolBackend
from harness.boards.images import prebuilt
from harness.config.model import BoardConfig, ImageSpec, SerialMatch
from harness.errors import BoardUnavailable, FlashError
from tests.unit.physical_fakes import FakeEsptool, fake_ports, firmware, usb_port

SERIAL = SerialMatch(0x303A, 0x1001, "24:6F:28:01:02:03")


def board(**options: object) -> BoardConfig:
    opts = {"model_offset": 0x200000, "reflash": True, **options}
    return BoardConfig(name="esp-1", backend="esptool", target="esp32s3", serial=SERIAL, options=opts)


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ports(
        monkeypatch,
        [
            usb_port("/dev/ttyACM0", 0x303A, 0x1001, "24:6F:28:AA:AA:AA", "1-1.1:1.0"),  # its twin
            usb_port("/dev/ttyACM1", 0x303A, 0x1001, "24:6F:28:01:02:03", "1-1.2:1.0"),
        ],
    )


@pytest.mark.usefixtures("ports")
def test_flash_detects_checks_writes_app_and_model_and_hard_resets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEsptool().install(monkeypatch)
    backend = EsptoolBackend(board(chip="esp32s3", mac="24:6f:28:01:02:03"), tmp_path)
    backend.flash(firmware(tmp_path), b"MODEL")
    assert fake.calls == [
        ("detect", "/dev/ttyACM1"),  # the port with this board's identity, not its twin's
        ("stub",),
        ("baud", 460800),
        ("attach",),
        ("write", [("0x10000", b"image.bin"), ("0x200000", b"MODEL")]),
        ("reset", "hard-reset"),
        ("close",),
    ]
    assert backend.identity()["port"] == "/dev/ttyACM1"


@pytest.mark.usefixtures("ports")
def test_app_image_and_offset_from_farm_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeEsptool().install(monkeypatch)
    app = tmp_path / "agent-idf.bin"
    app.write_bytes(b"IDF")
    b = replace(board(app_offset=0x20000, flash_baud=115200), image=ImageSpec(((None, app),)))
    EsptoolBackend(b, tmp_path).flash(prebuilt(b.image, "esp32s3"), None)  # type: ignore[arg-type]
    assert ("write", [("0x20000", b"IDF")]) in fake.calls
    assert not any(c[0] == "baud" for c in fake.calls)


@pytest.mark.usefixtures("ports")
def test_wrong_chip_or_mac_refuses_to_flash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeEsptool(chip="ESP32-C3").install(monkeypatch)
    with pytest.raises(FlashError, match="board esp-1: port has a ESP32-C3, expected esp32s3"):
        EsptoolBackend(board(chip="esp32s3"), tmp_path).flash(firmware(tmp_path), b"m")
    assert fake.calls[-1] == ("close",) and not any(c[0] == "write" for c in fake.calls)
    FakeEsptool().install(monkeypatch)
    with pytest.raises(FlashError, match="has MAC 24:6f:28:01:02:03, expected 24:6f:28:ff:ff:ff"):
        EsptoolBackend(board(mac="24:6f:28:ff:ff:ff"), tmp_path).flash(firmware(tmp_path), b"m")


@pytest.mark.usefixtures("ports")
def test_esptool_failure_is_a_flash_error_with_its_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEsptool()
    fake.fail_write = RuntimeError("Failed to write to target RAM (result was 01070000)")
    fake.install(monkeypatch)
    with pytest.raises(FlashError) as info:
        EsptoolBackend(board(), tmp_path).flash(firmware(tmp_path), b"m")
    assert str(info.value) == (
        "board esp-1: esptool flash failed: Failed to write to target RAM (result was 01070000)"
    )
    assert fake.calls[-1] == ("close",)  # the port is released
    fake.fail_write, fake.fail_detect = None, OSError("could not open port /dev/ttyACM1")
    with pytest.raises(FlashError, match="esp-1: esptool flash failed: could not open port"):
        EsptoolBackend(board(), tmp_path).flash(firmware(tmp_path), b"m")


@pytest.mark.usefixtures("ports")
def test_model_needs_its_partition_offset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeEsptool().install(monkeypatch)
    b = BoardConfig(name="esp-2", backend="esptool", serial=SERIAL, options={"reflash": True})
    with pytest.raises(FlashError, match="esp-2: set model_offset"):
        EsptoolBackend(b, tmp_path).flash(firmware(tmp_path), b"m")


def test_absent_port_is_absent_and_flashing_waits_then_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeEsptool().install(monkeypatch)
    fake_ports(monkeypatch, [])
    backend = EsptoolBackend(board(port_timeout=0.2), tmp_path)
    assert backend.presence().reason == "no serial port with 303a:1001 serial_number=24:6F:28:01:02:03"
    with pytest.raises(BoardUnavailable, match=r"board esp-1: no serial port with .* within 0\.2 s"):
        backend.flash(firmware(tmp_path), b"m")


@pytest.mark.usefixtures("ports")
def test_reset_is_a_hard_reset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeEsptool().install(monkeypatch)
    EsptoolBackend(board(), tmp_path).reset()
    assert fake.calls == [("detect", "/dev/ttyACM1"), ("reset", "hard-reset"), ("close",)]
