"""Boards behind a CMSIS-DAP, J-Link or ST-Link probe, flashed with pyOCD's Python API.

The probe is chosen by its unique id (farm.toml `probe`), the target by
`pyocd_target` (or the firmware port's usual part). The agent ELF goes in
first, then the model at the slot address the ELF names
(`__model_slot_start`), then the target is reset. The agent's UART is the
serial port with the board's USB identity: often the probe's own CDC port.
pyOCD is imported on first use only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

from harness.backends.base import Presence
from harness.backends.physical import PhysicalBackend
from harness.boards.firmware import FirmwareImage
from harness.boards.tools import connected_probes, import_tool, tool_installed
from harness.config.board_firmware import image_format
from harness.config.keys import Key
from harness.config.ports import PORTS
from harness.errors import BoardUnavailable, FlashError

# Firmware port → pyOCD target type: harness.config.ports. Parts without a
# built-in target need their CMSIS pack once: `pyocd pack install <target>`.
# nRF52840 rev3 (build code F0 on): UICR.APPROTECT = HwDisabled keeps the debug
# port open across resets (the agent also writes APPROTECT.DISABLE at boot).
UICR_APPROTECT = 0x10001208
APPROTECT_HW_DISABLED = 0x5A
def matching_probes(unique_id: str, probes: list[Any]) -> list[Any]:
    """Probes whose id is unique_id (pyOCD itself matches any id containing it)."""
    wanted = unique_id.lower()
    exact = [p for p in probes if str(p.unique_id).lower() == wanted]
    return exact or [p for p in probes if wanted in str(p.unique_id).lower()]


class PyocdBackend(PhysicalBackend):
    tool = "pyocd"
    config_keys: ClassVar[dict[str, Key]] = {
        **PhysicalBackend.config_keys,
        "pyocd_target": Key((str,), "a pyOCD target type, e.g. nrf52840 (pyocd list --targets)"),
        "frequency": Key((int,), "SWD/JTAG clock in Hz", lambda v: v > 0),
        "model_addr": Key((int,), "the model slot's address (default: the ELF's __model_slot_start)"),
        "image_format": Key((str,), "elf | hex", lambda v: v in ("elf", "hex")),
        "unlock": Key((bool,), "true: mass erase a locked (read-protected) chip, bootloader included"),
    }

    @property
    def pyocd_target(self) -> str:
        port = PORTS.get(self.board.target or "")
        target = self.board.options.get("pyocd_target") or (port.pyocd_target if port else None)
        if target is None:
            raise FlashError(
                f"board {self.board.name}: set pyocd_target (no default for port {self.board.target})"
            )
        return str(target)

    def tool_presence(self) -> Presence:
        if not tool_installed("pyocd"):
            return Presence(False, "pyocd is not installed (pip install 'tinyfarm[hardware]')")
        try:
            target = self.pyocd_target
        except FlashError as exc:
            return Presence(False, str(exc).split(": ", 1)[-1])
        if not target_available(target):
            return Presence(False, f"pyocd target {target} needs its CMSIS pack: pyocd pack install {target}")
        return Presence(True)

    def probe_presence(self) -> Presence | None:
        if not self.board.probe:
            return Presence(False, 'no probe: set probe = "<unique id>" (farm discover lists them)')
        try:
            found = matching_probes(self.board.probe, connected_probes())
        except Exception as exc:  # libusb trouble is an absent board, not a crash
            return Presence(False, f"pyocd cannot list probes: {exc}")
        if not found:
            return Presence(False, f"no debug probe {self.board.probe}")
        if len(found) > 1:
            ids = ", ".join(str(p.unique_id) for p in found)
            return Presence(False, f"probe id {self.board.probe} is ambiguous: {ids}")
        return Presence(True)

    def _session(self) -> Any:
        if not self.board.probe:
            raise FlashError(f'board {self.board.name}: set probe = "<unique id>" to flash with pyocd')
        helpers = import_tool("pyocd.core.helpers", "pyocd", self.board.name)
        found = matching_probes(self.board.probe, connected_probes(fresh=True))
        if len(found) != 1:
            what = "no debug probe" if not found else f"{len(found)} debug probes match"
            raise BoardUnavailable(f"board {self.board.name}: {what} {self.board.probe}")
        # Never mass erase unasked (pyOCD's auto_unlock would, bootloader and all);
        # erase only the sectors written, whatever a pyocd.yaml says.
        unlock = bool(self.board.options.get("unlock", False))
        options: dict[str, Any] = {"auto_unlock": unlock, "chip_erase": "sector"}
        if "frequency" in self.board.options:
            options["frequency"] = self.board.options["frequency"]
        session = helpers.ConnectHelper.session_with_chosen_probe(
            blocking=False,
            return_first=False,
            auto_open=False,  # opened by _opened(): a locked chip is an error, not an erase
            unique_id=str(found[0].unique_id),
            target_override=self.pyocd_target,
            options=options,
        )
        if session is None:
            raise BoardUnavailable(f"board {self.board.name}: pyocd found no probe {self.board.probe}")
        return session

    def _image(self, firmware: FirmwareImage) -> tuple[str, str]:
        fmt = self.board.options.get("image_format", "elf")
        path = firmware.elf if fmt == "elf" else firmware.elf.with_suffix(".hex")
        return str(path), str(fmt)

    def _files(self, firmware: FirmwareImage) -> list[tuple[str, str, dict[str, int]]]:
        """(path, format, keyword arguments) of each file to program."""
        if not firmware.parts:
            image, fmt = self._image(firmware)
            return [(image, fmt, {})]
        out = []
        for addr, path in firmware.parts:
            fmt = image_format(path)
            out.append((str(path), fmt, {"base_address": addr} if fmt == "bin" and addr is not None else {}))
        return out

    def _write(self, session: Any, stage: str, path: str, fmt: str, **kwargs: int) -> None:
        programmer_mod = import_tool("pyocd.flash.file_programmer", "pyocd", self.board.name)
        programmer = programmer_mod.FileProgrammer(
            session, progress=lambda f: self._report(stage, float(f)), chip_erase="sector"
        )
        programmer.program(path, file_format=fmt, **kwargs)

    def program(self, firmware: FirmwareImage, model: bytes | None) -> None:
        files = self._files(firmware)
        session = self._session()
        model_addr = self.model_addr(firmware) if model is not None else None
        with self._opened(session):
            self._report("firmware", 0.0)
            for path, fmt, kwargs in files:
                self._write(session, "firmware", path, fmt, **kwargs)
            if model is not None and model_addr is not None:
                self._report("model", 0.0)
                self._write(session, "model", self.model_file(model), "bin", base_address=model_addr)
            keep_debuggable(session.target, self.board.options.get("unlock", False))
            session.target.reset()
            self._report("reset", 1.0)

    @contextlib.contextmanager
    def _opened(self, session: Any) -> Iterator[Any]:
        """Open the session; a chip that is read-protected is a clear error, not an erase."""
        try:
            session.open()
        except Exception as exc:
            if self._locked(session):
                raise FlashError(self._locked_message()) from exc
            raise
        try:
            if self._locked(session):
                raise FlashError(self._locked_message())
            yield session
        finally:
            session.close()

    def _locked(self, session: Any) -> bool:
        if self.board.options.get("unlock", False):
            return False
        check = getattr(getattr(session, "target", None), "is_locked", None)
        try:
            return bool(check()) if callable(check) else False
        except Exception:  # the lock state could not be read: not known to be locked
            return False

    def _locked_message(self) -> str:
        return (
            f"board {self.board.name}: the {self.pyocd_target} is locked (read protection, APPROTECT): "
            "flashing it needs a mass erase, which erases the whole chip, a bootloader too. "
            "Set unlock = true on this board to allow that, or restore the chip with the vendor's tool; "
            "not flashed"
        )

    def hardware_reset(self) -> None:
        with self._opened(self._session()) as session:
            session.target.reset()


def keep_debuggable(target: Any, unlocked: bool) -> None:
    """On a chip with hardened APPROTECT (nRF52840 rev3), write UICR.APPROTECT =
    HwDisabled so the debug port stays open after reset; pyOCD does this itself
    when it unlocked the chip. Other targets have no such attribute."""
    if unlocked or not getattr(target, "hardened_approtect", False):
        return
    write_uicr = getattr(target, "write_uicr", None)
    if callable(write_uicr) and target.read32(UICR_APPROTECT) != APPROTECT_HW_DISABLED:
        write_uicr(UICR_APPROTECT, APPROTECT_HW_DISABLED)


_targets_checked: dict[str, bool] = {}


def target_available(name: str) -> bool:
    """Whether pyOCD knows the target type: built in, or from an installed CMSIS pack."""
    if name not in _targets_checked:
        target_mod = import_tool("pyocd.target", "pyocd", "-")
        packs = import_tool("pyocd.target.pack.pack_target", "pyocd", "-")
        key = target_mod.normalise_target_type_name(name)
        if key not in target_mod.TARGET:
            packs.ManagedPacks.populate_target(key)
        _targets_checked[name] = key in target_mod.TARGET
    return _targets_checked[name]
