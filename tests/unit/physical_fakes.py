"""Fakes at the library boundary for the physical backends' tests.

pyserial's port list, pyOCD's and esptool's modules are replaced by objects
that record every call; the harness code under test is the real one.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from unittest.mock import NonCallableMock, create_autospec

import pytest
from serial.tools.list_ports_common import ListPortInfo

from harness.boards import serialports
from harness.boards.firmware import FirmwareImage


def usb_port(
    device: str,
    vid: int = 0x0D28,
    pid: int = 0x0204,
    serial_number: str | None = "0240000034544E45001E0012",
    location: str | None = "1-1.4:1.0",
    description: str = "DAPLink CMSIS-DAP",
) -> ListPortInfo:
    """A list_ports entry as pyserial makes it on Linux, pointing wherever the test wants."""
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid = vid, pid
    info.serial_number = serial_number
    info.location = location
    info.description = description
    return info


def fake_ports(monkeypatch: pytest.MonkeyPatch, ports: Iterable[Any] | Callable[[], list[Any]]) -> None:
    source = ports if callable(ports) else (lambda: list(ports))  # type: ignore[arg-type]
    monkeypatch.setattr(serialports, "comports", source)


def firmware(tmp_path: Path, slot: int | None = 0x80000, build_id: str = "ab" * 20) -> FirmwareImage:
    elf = tmp_path / "agent.elf"
    for ext in (".elf", ".hex", ".bin"):
        elf.with_suffix(ext).write_bytes(b"image" + ext.encode())
    return FirmwareImage(elf, "nrf52840", build_id, "0" * 64, 1000, 100, slot)


HARDWARE_EXTRA = "pip install '.[hardware]'"
_ORIGINALS: dict[tuple[str, str], Any] = {}


def original(module: Any, name: str) -> Any:
    """The library's own object, even when a fake installed earlier in the test replaced it."""
    value = getattr(module, name)
    faked = isinstance(value, NonCallableMock) or isinstance(getattr(value, "mock", None), NonCallableMock)
    if not faked:
        _ORIGINALS[(module.__name__, name)] = value
    return _ORIGINALS[(module.__name__, name)]


def real(module: str) -> Any:
    """A real library module the fakes take their signatures from; the test skips without it."""
    return pytest.importorskip(module, reason=f"{module} is not installed ({HARDWARE_EXTRA})")


class FakeProbe:
    """What pyOCD's DebugProbe tells about itself (the attributes discovery reads)."""

    def __init__(self, unique_id: str, target: str | None = None, board: str = ""):
        self.unique_id = unique_id
        self.description = "DAPLink CMSIS-DAP"
        self.vendor_name = "ARM"
        self.product_name = "DAPLink"
        info = types.SimpleNamespace(target=target, name=board) if target or board else None
        self.associated_board_info = info


class FakePyocd:
    """pyOCD's ConnectHelper, Session, target and FileProgrammer as autospecs of the real
    classes: a call pyOCD would reject with a TypeError is rejected here too. Probe choice
    follows pyOCD's (the exact id first, then any id containing it; several: none)."""

    def __init__(self, probes: list[FakeProbe], fail_on: str | None = None, message: str = "",
                 target_class: str = "pyocd.target.builtin.target_nRF52840_xxAA.NRF52840"):
        self.probes = probes
        self.calls: list[tuple[Any, ...]] = []
        self.fail_on = fail_on
        self.message = message
        self.target_class = target_class
        self.open_error: Exception | None = None
        self.locked = False
        self.uicr = 0xFFFFFFFF

    def _choose(self, unique_id: str | None) -> FakeProbe | None:
        wanted = (unique_id or "").lower()
        exact = [p for p in self.probes if p.unique_id.lower() == wanted]
        found = exact or [p for p in self.probes if wanted in p.unique_id.lower()]
        return found[0] if len(found) == 1 else None

    def _target(self) -> Any:
        module, _, name = self.target_class.rpartition(".")
        target = create_autospec(getattr(real(module), name), instance=True)
        target.reset.side_effect = lambda *a, **k: self.calls.append(("reset",))
        target.read32.side_effect = lambda addr: self.uicr
        if hasattr(target, "is_locked"):
            target.is_locked.side_effect = lambda: self.locked
            target.hardened_approtect = True
            target.write_uicr.side_effect = lambda addr, value: self.calls.append(("uicr", addr, value))
        return target

    def _session(self, **kwargs: Any) -> Any:
        self.calls.append(("session", kwargs))
        if self._choose(kwargs.get("unique_id")) is None:
            return None
        session = create_autospec(real("pyocd.core.session").Session, instance=True)
        session.target = self._target()
        session.open.side_effect = self._open
        session.close.side_effect = lambda: self.calls.append(("close",))
        return session

    def _open(self) -> None:
        self.calls.append(("open",))
        if self.open_error is not None:
            raise self.open_error

    def _program(self, programmer: Any, kwargs: dict[str, Any]) -> Any:
        def program(path: str, file_format: str | None = None, **more: Any) -> None:
            options = {k: v for k, v in kwargs.items() if k != "progress"}
            self.calls.append(("program", Path(path).name, file_format, more, options))
            if self.fail_on == file_format:
                raise real("pyocd.core.exceptions").FlashProgramFailure(self.message)
            if kwargs.get("progress"):
                kwargs["progress"](1.0)

        programmer.program.side_effect = program
        return programmer

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakePyocd:
        helpers = real("pyocd.core.helpers")
        programmer_mod = real("pyocd.flash.file_programmer")
        helper = create_autospec(original(helpers, "ConnectHelper"))
        helper.get_all_connected_probes.side_effect = lambda *a, **k: list(self.probes)
        helper.session_with_chosen_probe.side_effect = self._session
        spec = create_autospec(original(programmer_mod, "FileProgrammer"))
        spec.side_effect = lambda session, **kwargs: self._program(spec.return_value, kwargs)
        monkeypatch.setattr(helpers, "ConnectHelper", helper)
        monkeypatch.setattr(programmer_mod, "FileProgrammer", spec)
        import harness.boards.tools as tools_module

        monkeypatch.setattr(tools_module, "_probe_cache", None)
        return self


class FakeEsptool:
    """esptool.cmds as autospecs of the real functions and ESPLoader: a call with arguments
    esptool does not take fails as it would; a silent port raises esptool's FatalError."""

    def __init__(self, chip: str = "ESP32-S3", mac: tuple[int, ...] = (0x24, 0x6F, 0x28, 0x01, 0x02, 0x03)):
        self.chip = chip
        self.mac = mac
        self.calls: list[tuple[Any, ...]] = []
        self.fail_write: Exception | None = None
        self.fail_detect: Exception | None = None

    def _esp(self) -> Any:
        esp = create_autospec(real("esptool.loader").ESPLoader, instance=True)
        esp.CHIP_NAME = self.chip
        esp.read_mac.side_effect = lambda *a, **k: self.mac
        esp.change_baud.side_effect = lambda baud: self.calls.append(("baud", baud))
        esp._port = types.SimpleNamespace(close=lambda: self.calls.append(("close",)))
        return esp

    def _detect(self, port: str = "", *args: Any, **kwargs: Any) -> Any:
        self.calls.append(("detect", port))
        if self.fail_detect:
            raise self.fail_detect
        return self._esp()

    def _write(self, esp: Any, addr_data: list[tuple[int, Any]], *args: Any, **kwargs: Any) -> None:
        self.calls.append(("write", [(hex(a), bytes(d)) for a, d in addr_data]))
        if self.fail_write:
            raise self.fail_write

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeEsptool:
        cmds = real("esptool.cmds")
        effects: dict[str, Callable[..., Any]] = {
            "detect_chip": self._detect,
            "run_stub": lambda esp, *a, **k: self.calls.append(("stub",)) or esp,
            "attach_flash": lambda esp, *a, **k: self.calls.append(("attach",)),
            "write_flash": self._write,
            "reset_chip": lambda esp, mode="hard-reset": self.calls.append(("reset", mode)),
        }
        for name, effect in effects.items():
            fake = create_autospec(original(cmds, name))
            fake.side_effect = effect
            monkeypatch.setattr(cmds, name, fake)
        return self
