"""Boards behind a CMSIS-DAP, J-Link or ST-Link probe, flashed with pyOCD's Python API.

The probe is chosen by its unique id (farm.toml `probe`), the target by
`pyocd_target` (or the firmware port's usual part). The agent ELF goes in
first, then the model at the slot address the ELF names
(`__model_slot_start`), then the target is reset. The agent's UART is the
serial port with the board's USB identity: often the probe's own CDC port.
pyOCD is imported on first use only.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from harness.backends.base import Presence
from harness.backends.physical import PhysicalBackend, import_tool, tool_installed
from harness.boards.firmware import FirmwareImage
from harness.config.load import Key
from harness.errors import BoardUnavailable, FlashError

# Firmware port → pyOCD target type. Parts without a built-in target need their
# CMSIS pack once: `pyocd pack install stm32f405rg`.
TARGETS = {
    "nrf52840": "nrf52840",
    "netduinoplus2": "stm32f405rgtx",
}
PROBE_CACHE_SECONDS = 2.0
_probe_cache: tuple[float, list[Any]] | None = None


def connected_probes(fresh: bool = False) -> list[Any]:
    """pyOCD's probes now (cached for a moment: `farm list` asks once per board)."""
    global _probe_cache
    now = time.monotonic()
    if not fresh and _probe_cache is not None and now - _probe_cache[0] < PROBE_CACHE_SECONDS:
        return _probe_cache[1]
    helpers = import_tool("pyocd.core.helpers", "pyocd", "-")
    probes = list(helpers.ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False))
    _probe_cache = (now, probes)
    return probes


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
    }

    @property
    def pyocd_target(self) -> str:
        target = self.board.options.get("pyocd_target") or TARGETS.get(self.target)
        if target is None:
            raise FlashError(f"board {self.board.name}: set pyocd_target (no default for port {self.target})")
        return str(target)

    def tool_presence(self) -> Presence:
        if not tool_installed("pyocd"):
            return Presence(False, "pyocd is not installed (pip install 'tinyfarm[hardware]')")
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
        options: dict[str, Any] = {}
        if "frequency" in self.board.options:
            options["frequency"] = self.board.options["frequency"]
        session = helpers.ConnectHelper.session_with_chosen_probe(
            blocking=False,
            return_first=False,
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

    def program(self, firmware: FirmwareImage, model: bytes | None) -> None:
        programmer_mod = import_tool("pyocd.flash.file_programmer", "pyocd", self.board.name)
        image, fmt = self._image(firmware)
        session = self._session()
        model_addr = self.model_addr(firmware) if model is not None else None
        with session:
            self._report("firmware", 0.0)
            programmer_mod.FileProgrammer(
                session, progress=lambda f: self._report("firmware", float(f)), no_reset=True
            ).program(image, file_format=fmt)
            if model is not None:
                self._report("model", 0.0)
                programmer_mod.FileProgrammer(
                    session, progress=lambda f: self._report("model", float(f)), no_reset=True
                ).program(self.model_file(model), file_format="bin", base_address=model_addr)
            session.target.reset()
            self._report("reset", 1.0)

    def hardware_reset(self) -> None:
        with self._session() as session:
            session.target.reset()
