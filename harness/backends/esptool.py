"""ESP32-family boards flashed through their serial port with esptool's Python API.

The board is its serial port's USB identity (and optionally the chip's MAC,
`mac`, checked on every connection, and its type, `chip`). Flashing: detect
the chip (esptool.cmds.detect_chip resets it into the ROM loader), check
chip and MAC, run the stub, write the application at `app_offset` and the
model into its data partition at `model_offset`, hard reset. The bootloader
and partition table change rarely and are flashed once by hand. esptool is
imported on first use only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from harness.backends.base import Presence
from harness.backends.physical import PhysicalBackend
from harness.boards.firmware import FirmwareImage
from harness.boards.tools import import_tool, tool_installed
from harness.config.keys import Key
from harness.errors import FlashError

DEFAULT_APP_OFFSET = 0x10000
ROM_BAUD = 115200


def normalise_chip(name: str) -> str:
    """'ESP32-S3' and 'esp32s3' name the same chip."""
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def format_mac(mac: Any) -> str:
    return ":".join(f"{int(b):02x}" for b in mac)


def _mac_ok(text: str) -> bool:
    parts = text.split(":")
    return len(parts) == 6 and all(
        len(p) == 2 and all(c in "0123456789abcdefABCDEF" for c in p) for p in parts
    )


class EsptoolBackend(PhysicalBackend):
    tool = "esptool"
    default_clock_hz = 240_000_000
    config_keys: ClassVar[dict[str, Key]] = {
        **PhysicalBackend.config_keys,
        "chip": Key((str,), "an ESP chip type such as esp32, esp32s3, esp32c3"),
        "mac": Key((str,), "the chip's MAC as aa:bb:cc:dd:ee:ff", _mac_ok),
        "app_offset": Key((int,), "the application's flash offset (default 0x10000)", lambda v: v >= 0),
        "model_offset": Key((int,), "the model data partition's flash offset", lambda v: v >= 0),
        "flash_baud": Key((int,), "baud rate while flashing (default 460800)", lambda v: v > 0),
    }
    # `image` (a common board key): the application .bin at app_offset, or a
    # partition set { "0x1000" = "bootloader.bin", "0x8000" = "partitions.bin", ... }.
    image_formats: ClassVar[tuple[str, ...]] = ("bin",)
    bin_default_addr: ClassVar[bool] = True

    def tool_presence(self) -> Presence:
        if not tool_installed("esptool"):
            return Presence(False, "esptool is not installed (pip install 'tinyfarm[hardware]')")
        return Presence(True)

    def _port(self) -> str:
        return self.board.url or self.find_port().device

    def _connect(self) -> Any:
        """detect_chip on the board's port, then check it is the configured chip and MAC."""
        cmds = import_tool("esptool.cmds", "esptool", self.board.name)
        esp = cmds.detect_chip(port=self._port(), baud=ROM_BAUD, connect_mode="default-reset")
        try:
            chip = str(esp.CHIP_NAME)
            want_chip = self.board.options.get("chip")
            if want_chip and normalise_chip(want_chip) != normalise_chip(chip):
                raise FlashError(f"board {self.board.name}: port has a {chip}, expected {want_chip}")
            want_mac = self.board.options.get("mac")
            if want_mac:
                mac = format_mac(esp.read_mac("BASE_MAC"))
                if mac != want_mac.lower():
                    raise FlashError(f"board {self.board.name}: {chip} has MAC {mac}, expected {want_mac}")
        except BaseException:
            _close(esp)
            raise
        return esp

    def _images(self, firmware: FirmwareImage) -> list[tuple[int, bytes]]:
        """(offset, bytes) to write: the board's image parts, else the built agent's .bin."""
        app_offset = int(self.board.options.get("app_offset", DEFAULT_APP_OFFSET))
        parts = firmware.parts or ((None, firmware.elf.with_suffix(".bin")),)
        out = []
        for addr, path in parts:
            try:
                out.append((app_offset if addr is None else addr, Path(path).read_bytes()))
            except OSError as exc:
                raise FlashError(f"board {self.board.name}: cannot read image {path}: {exc}") from exc
        return out

    def program(self, firmware: FirmwareImage, model: bytes | None) -> None:
        cmds = import_tool("esptool.cmds", "esptool", self.board.name)
        parts = self._images(firmware)
        if model is not None:
            offset = self.board.options.get("model_offset")
            if offset is None:
                raise FlashError(f"board {self.board.name}: set model_offset (the model partition's offset)")
            parts.append((int(offset), model))
        self._report("connect", 0.0)
        esp = self._connect()
        try:
            esp = cmds.run_stub(esp)
            baud = int(self.board.options.get("flash_baud", 460800))
            if baud != ROM_BAUD:
                esp.change_baud(baud)
            cmds.attach_flash(esp)
            self._report("write", 0.1)
            cmds.write_flash(esp, parts, no_progress=True)
            self._report("reset", 0.9)
            cmds.reset_chip(esp, "hard-reset")
            self._report("reset", 1.0)
        finally:
            _close(esp)

    def hardware_reset(self) -> None:
        cmds = import_tool("esptool.cmds", "esptool", self.board.name)
        esp = self._connect()
        try:
            cmds.reset_chip(esp, "hard-reset")
        finally:
            _close(esp)


def _close(esp: Any) -> None:
    port = getattr(esp, "_port", None)
    if port is not None:
        port.close()
