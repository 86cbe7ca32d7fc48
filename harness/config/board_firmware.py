"""A board's firmware as farm.toml gives it, checked at load: a prebuilt image, or a
port tinyfarm builds the agent for, with that port's board variant.

Every problem is a ConfigError naming the key, never a traceback later: a
physical board with no firmware port and no image, a port tinyfarm has no
firmware for (with the two ways in), a variant key the port does not take,
an image file that is missing or whose format says nothing of its address.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.config.model import BoardConfig, ImageSpec
from harness.config.ports import PORTS, no_port_problem
from harness.errors import ConfigError

Fail = Callable[..., ConfigError]
FORMATS = {".elf": "elf", ".axf": "elf", ".out": "elf", ".hex": "hex", ".ihex": "hex", ".bin": "bin"}
VARIANT_KEYS = ("app_start", "uart_tx_pin", "uart_rx_pin")


def image_format(path: Path) -> str:
    return FORMATS.get(path.suffix.lower(), "")


def _address(text: str, where: str, fail: Fail) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise fail(where, f"not an address: {text!r}", 'a flash offset such as "0x10000"') from None
    if value < 0:
        raise fail(where, f"negative address {text!r}", 'a flash offset such as "0x10000"')
    return value


def _file(root: Path, value: Any, where: str, fail: Fail) -> Path:
    if not isinstance(value, str) or not value:
        raise fail(where, f"wrong value {value!r}", "a path relative to the farm file")
    path = (root / value).resolve()
    if not path.is_file():
        raise fail(where, f"file not found: {value}", "a path relative to the farm file")
    if not image_format(path):
        raise fail(where, f"unknown image format: {path.name}", ", ".join(sorted(FORMATS)))
    return path


def parse_image(
    fields: dict[str, Any], where: str, root: Path, fail: Fail, bin_default: bool
) -> ImageSpec | None:
    """`image` (and `image_addr`) as an ImageSpec; bin_default: a lone .bin may go without an address."""
    value = fields.get("image")
    if value is None:
        if "image_addr" in fields:
            raise fail(f"{where}.image_addr", "given without image", "image = \"<file>.bin\" beside it")
        return None
    if isinstance(value, dict):
        parts = tuple(
            (_address(k, f"{where}.image.{k}", fail), _file(root, v, f'{where}.image."{k}"', fail))
            for k, v in value.items()
        )
        if not parts:
            raise fail(f"{where}.image", "an empty table", '{ "0x10000" = "app.bin", ... }')
        return ImageSpec(parts)
    path = _file(root, value, f"{where}.image", fail)
    addr = fields.get("image_addr")
    if image_format(path) == "bin" and addr is None and not bin_default:
        raise fail(f"{where}.image_addr", f"missing: {path.name} is a raw binary", "its flash address")
    return ImageSpec(((addr, path),))


def check_firmware(board: BoardConfig, where: str, backend: type, fail: Fail) -> None:
    """A physical board either names an image or runs a port tinyfarm builds, with a valid variant."""
    if getattr(backend, "emulated", False) or not getattr(backend, "runs_agent", True):
        return
    if board.protocol == "eembc":  # the user's firmware, named by the model (docs/eembc.md)
        return
    formats = getattr(backend, "image_formats", ("elf", "hex", "bin"))
    if board.image is not None:
        for _addr, path in board.image.parts:
            if image_format(path) not in formats:
                raise fail(f"{where}.image", f"{board.backend} cannot flash {path.name}", ", ".join(formats))
        return
    if board.target is None:
        raise fail(
            f"{where}.target",
            "missing: a physical board needs a firmware port to build the agent for, or a prebuilt image",
            f"a port ({', '.join(p.name for p in PORTS.values() if p.physical)}), a profile, "
            'or image = "<file>"',
        )
    port = PORTS.get(board.target)
    if port is None:
        raise fail(f"{where}.target", no_port_problem(board.target))
    for key in VARIANT_KEYS:
        value = getattr(board, key)
        var = port.variable(key)
        if value is not None and var is None:
            raise fail(f"{where}.{key}", f"port {port.name} has no {key} setting", "leave it out")
        if value is not None and var is not None and not var.check(value):
            raise fail(f"{where}.{key}", f"wrong value {value!r} for port {port.name}", var.accepted)
    if board.bootloader and not board.app_start:
        raise fail(
            f"{where}.bootloader",
            "true, but app_start is 0: the agent would overwrite the bootloader",
            "app_start = the end of the bootloader, or bootloader = false",
        )
