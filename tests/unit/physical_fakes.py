"""Fakes at the library boundary for the physical backends' tests.

pyserial's port list, pyOCD's and esptool's modules are replaced by objects
that record every call; the harness code under test is the real one.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

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


def install_modules(monkeypatch: pytest.MonkeyPatch, modules: dict[str, dict[str, Any]]) -> None:
    """Put fake modules (name -> attributes) into sys.modules, parents included."""
    for name, attrs in modules.items():
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in modules:
                monkeypatch.setitem(sys.modules, parent, types.ModuleType(parent))
        module = types.ModuleType(name)
        for key, value in attrs.items():
            setattr(module, key, value)
        monkeypatch.setitem(sys.modules, name, module)


class FakeProbe:
    def __init__(self, unique_id: str, target: str | None = None):
        self.unique_id = unique_id
        self.description = "DAPLink CMSIS-DAP"
        self.vendor_name = "ARM"
        self.product_name = "DAPLink"
        self.associated_board_info = types.SimpleNamespace(target=target) if target else None


class FakePyocd:
    """pyocd.core.helpers.ConnectHelper and pyocd.flash.file_programmer.FileProgrammer."""

    def __init__(self, probes: list[FakeProbe], fail_on: str | None = None, message: str = ""):
        self.probes = probes
        self.calls: list[tuple[Any, ...]] = []
        self.fail_on = fail_on
        self.message = message

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakePyocd:
        fake = self

        class Target:
            def reset(self) -> None:
                fake.calls.append(("reset",))

        class Session:
            target = Target()

            def __enter__(self) -> Session:
                fake.calls.append(("open",))
                return self

            def __exit__(self, *exc: object) -> None:
                fake.calls.append(("close",))

        class ConnectHelper:
            @staticmethod
            def get_all_connected_probes(**kwargs: Any) -> list[FakeProbe]:
                return fake.probes

            @staticmethod
            def session_with_chosen_probe(**kwargs: Any) -> Session | None:
                fake.calls.append(("session", kwargs))
                if not any(p.unique_id == kwargs.get("unique_id") for p in fake.probes):
                    return None
                return Session()

        class FileProgrammer:
            def __init__(self, session: Session, progress: Any = None, **kwargs: Any):
                self.progress = progress
                self.kwargs = kwargs

            def program(self, path: str, file_format: str | None = None, **kwargs: Any) -> None:
                fake.calls.append(("program", Path(path).name, file_format, kwargs, self.kwargs))
                if fake.fail_on == file_format:
                    raise RuntimeError(fake.message)
                if self.progress:
                    self.progress(1.0)

        install_modules(
            monkeypatch,
            {
                "pyocd": {},
                "pyocd.core.helpers": {"ConnectHelper": ConnectHelper},
                "pyocd.flash.file_programmer": {"FileProgrammer": FileProgrammer},
            },
        )
        import harness.backends.pyocd as backend_module

        monkeypatch.setattr(backend_module, "_probe_cache", None)
        return self


class FakeEsptool:
    """esptool.cmds: detect_chip, run_stub, attach_flash, write_flash, reset_chip."""

    def __init__(self, chip: str = "ESP32-S3", mac: tuple[int, ...] = (0x24, 0x6F, 0x28, 0x01, 0x02, 0x03)):
        self.chip = chip
        self.mac = mac
        self.calls: list[tuple[Any, ...]] = []
        self.fail_write: Exception | None = None
        self.fail_detect: Exception | None = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeEsptool:
        fake = self

        class Port:
            def close(self) -> None:
                fake.calls.append(("close",))

        class Esp:
            CHIP_NAME = fake.chip

            def __init__(self) -> None:
                self._port = Port()

            def read_mac(self, kind: str = "BASE_MAC") -> tuple[int, ...]:
                return fake.mac

            def change_baud(self, baud: int) -> None:
                fake.calls.append(("baud", baud))

        def detect_chip(port: str, **kwargs: Any) -> Esp:
            fake.calls.append(("detect", port))
            if fake.fail_detect:
                raise fake.fail_detect
            return Esp()

        def run_stub(esp: Esp) -> Esp:
            fake.calls.append(("stub",))
            return esp

        def attach_flash(esp: Esp) -> None:
            fake.calls.append(("attach",))

        def write_flash(esp: Esp, parts: list[tuple[int, bytes]], **kwargs: Any) -> None:
            fake.calls.append(("write", [(hex(a), bytes(d)) for a, d in parts]))
            if fake.fail_write:
                raise fake.fail_write

        def reset_chip(esp: Esp, mode: str = "hard-reset") -> None:
            fake.calls.append(("reset", mode))

        install_modules(
            monkeypatch,
            {
                "esptool": {},
                "esptool.cmds": {
                    "detect_chip": detect_chip,
                    "run_stub": run_stub,
                    "attach_flash": attach_flash,
                    "write_flash": write_flash,
                    "reset_chip": reset_chip,
                },
            },
        )
        return self
