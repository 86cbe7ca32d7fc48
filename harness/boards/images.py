"""Prebuilt firmware (farm.toml `image`) and the flash ranges an image writes.

A board that names an image runs it as it is: an ELF is described like a
built agent (build id, model slot); a HEX or BIN has neither, so the board
is always flashed and the model address comes from farm.toml. The ranges
let a backend refuse an image that would write into a bootloader.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from elftools.elf.elffile import ELFFile

from harness.boards.firmware import FirmwareImage, describe
from harness.config.board_firmware import image_format
from harness.config.model import ImageSpec


def prebuilt(spec: ImageSpec, port: str) -> FirmwareImage:
    """The board's own image as a FirmwareImage whose parts are written as they are."""
    first = spec.parts[0][1]
    if len(spec.parts) == 1 and image_format(first) == "elf":
        return replace(describe(first, port), parts=spec.parts)
    digest = hashlib.sha256()
    for _addr, path in spec.parts:
        digest.update(path.read_bytes())
    size = sum(path.stat().st_size for _addr, path in spec.parts)
    return FirmwareImage(first, port, "", digest.hexdigest(), size, 0, None, parts=spec.parts)


def _elf_ranges(path: Path) -> list[tuple[int, int]]:
    with path.open("rb") as handle:
        return [
            (int(seg["p_paddr"]), int(seg["p_paddr"]) + int(seg["p_filesz"]))
            for seg in ELFFile(handle).iter_segments()
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] > 0
        ]


def _hex_ranges(path: Path) -> list[tuple[int, int]]:
    """Data records of an Intel HEX file, with extended segment/linear addresses."""
    out: list[tuple[int, int]] = []
    base = 0
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith(":") or len(line) < 11:
            continue
        count, offset, kind = int(line[1:3], 16), int(line[3:7], 16), int(line[7:9], 16)
        if kind == 0 and count:
            out.append((base + offset, base + offset + count))
        elif kind == 2:
            base = int(line[9:13], 16) << 4
        elif kind == 4:
            base = int(line[9:13], 16) << 16
    return out


def ranges(firmware: FirmwareImage, default_addr: int | None = None) -> list[tuple[int, int]]:
    """[start, end) of every flash range the firmware writes (the built agent: its ELF)."""
    parts = firmware.parts or ((None, firmware.elf),)
    out: list[tuple[int, int]] = []
    for addr, path in parts:
        fmt = image_format(path)
        if fmt == "elf":
            out += _elf_ranges(path)
        elif fmt == "hex":
            out += _hex_ranges(path)
        elif addr is not None or default_addr is not None:
            start = addr if addr is not None else int(default_addr or 0)
            out.append((start, start + path.stat().st_size))
    return out
