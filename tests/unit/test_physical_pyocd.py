"""The pyocd backend against a recording fake of pyOCD's Python API."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends.pyocd import PyocdBackend
from harness.config.model import BoardConfig, SerialMatch
from harness.errors import BoardUnavailable, FlashError
from tests.unit.physical_fakes import FakeProbe, FakePyocd, fake_ports, firmware, usb_port

PROBE = "0240000034544E45001E0012"


def board(**extra: object) -> BoardConfig:
    values: dict[str, object] = {"name": "nano-1", "backend": "pyocd", "target": "nrf52840", "probe": PROBE}
    values.update(extra)
    return BoardConfig(**values)  # type: ignore[arg-type]


def test_flash_programs_elf_then_model_at_the_slot_then_resets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePyocd([FakeProbe("OTHER"), FakeProbe(PROBE)]).install(monkeypatch)
    backend = PyocdBackend(board(), tmp_path / "work")
    stages: list[tuple[str, float]] = []
    backend.progress = lambda stage, f: stages.append((stage, f))
    backend.flash(firmware(tmp_path, slot=0x80000), b"TFL3-model")

    session, *rest = fake.calls
    assert session[0] == "session"
    assert session[1]["unique_id"] == PROBE and session[1]["target_override"] == "nrf52840"
    assert session[1]["blocking"] is False  # never a prompt or an endless wait
    assert session[1]["options"] == {"auto_unlock": False, "chip_erase": "sector"}  # never mass erase
    assert rest == [
        ("open",),
        ("program", "agent.elf", "elf", {}, {"chip_erase": "sector"}),
        ("program", "model-slot.bin", "bin", {"base_address": 0x80000}, {"chip_erase": "sector"}),
        ("uicr", 0x10001208, 0x5A),  # nRF52840 rev3: APPROTECT HwDisabled, the agent stays debuggable
        ("reset",),
        ("close",),
    ]
    assert (tmp_path / "work" / "model-slot.bin").read_bytes() == b"TFL3-model"
    assert ("firmware", 1.0) in stages and ("model", 1.0) in stages


def test_options_choose_target_hex_image_clock_and_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePyocd([FakeProbe(PROBE)]).install(monkeypatch)
    options = {"pyocd_target": "nrf52", "image_format": "hex", "frequency": 4_000_000, "model_addr": 0xC0000}
    PyocdBackend(board(options=options), tmp_path).flash(firmware(tmp_path), b"m")
    assert fake.calls[0][1]["target_override"] == "nrf52"
    safe = {"auto_unlock": False, "chip_erase": "sector"}
    assert fake.calls[0][1]["options"] == {**safe, "frequency": 4_000_000}
    programs = [c for c in fake.calls if c[0] == "program"]
    assert programs[0][1:3] == ("agent.hex", "hex")
    assert programs[1][3] == {"base_address": 0xC0000}


def test_pyocd_failure_is_a_flash_error_naming_board_and_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakePyocd([FakeProbe(PROBE)], fail_on="bin", message="Flash algo failed at 0x00080000").install(
        monkeypatch
    )
    with pytest.raises(FlashError) as info:
        PyocdBackend(board(), tmp_path).flash(firmware(tmp_path), b"m")
    assert str(info.value) == "board nano-1: pyocd flash failed: Flash algo failed at 0x00080000"
    assert info.value.error_class == "infrastructure"


def test_missing_probe_is_unavailable_not_a_prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakePyocd([FakeProbe("SOMEONE-ELSE")]).install(monkeypatch)
    backend = PyocdBackend(board(), tmp_path)
    with pytest.raises(BoardUnavailable, match=f"board nano-1: no debug probe {PROBE}"):
        backend.flash(firmware(tmp_path), None)
    assert backend.presence().reason == f"no debug probe {PROBE}"


def test_elf_without_slot_symbol_asks_for_model_addr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakePyocd([FakeProbe(PROBE)]).install(monkeypatch)
    with pytest.raises(FlashError, match="no __model_slot_start symbol; set model_addr"):
        PyocdBackend(board(), tmp_path).flash(firmware(tmp_path, slot=None), b"m")


def test_flash_is_skipped_when_the_board_runs_the_same_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePyocd([FakeProbe(PROBE)]).install(monkeypatch)
    monkeypatch.setattr(PyocdBackend, "runs", lambda self, fw, model: True)
    backend = PyocdBackend(board(), tmp_path)
    backend.flash(firmware(tmp_path), b"m")
    assert backend.skipped_flash and fake.calls == []
    forced = PyocdBackend(board(options={"reflash": True}), tmp_path)
    forced.flash(firmware(tmp_path), b"m")
    assert not forced.skipped_flash and ("reset",) in fake.calls


def test_reset_resets_through_the_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakePyocd([FakeProbe(PROBE)]).install(monkeypatch)
    PyocdBackend(board(), tmp_path).reset()
    assert fake.calls[1:] == [("open",), ("reset",), ("close",)]


def test_presence_needs_probe_and_serial_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakePyocd([FakeProbe(PROBE)]).install(monkeypatch)
    serial = SerialMatch(0x0D28, 0x0204, PROBE)
    fake_ports(monkeypatch, [])
    backend = PyocdBackend(board(serial=serial), tmp_path)
    assert not backend.presence().present
    assert "no serial port with 0d28:0204" in backend.presence().reason
    fake_ports(monkeypatch, [usb_port("/dev/ttyACM5")])
    assert backend.presence().present
    assert backend.identity()["port"] == "/dev/ttyACM5"
    assert backend.identity()["probe"] == PROBE
    assert PyocdBackend(board(probe="abc"), tmp_path).presence().reason == "no debug probe abc"


def test_without_pyocd_installed_the_board_is_absent_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pyocd", None)  # import fails as if not installed
    presence = PyocdBackend(board(), tmp_path).presence()
    assert not presence.present and "pip install 'tinyfarm[hardware]'" in presence.reason
