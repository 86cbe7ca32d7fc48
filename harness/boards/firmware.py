"""Build the agent firmware for a board and read its sizes from the ELF.

Builds are cached by their parameters: the same port, board name, clock and
memory limits give the same image, built once.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from harness.errors import FlashError

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware"
# RAM regions the linker leaves to run time: not static RAM use.
RUNTIME_SECTIONS = {".arena", ".heap", ".model_slot"}


def default_build_root() -> Path:
    """Where firmware builds are cached: $TINYFARM_BUILD_DIR, else build/firmware in the checkout."""
    override = os.environ.get("TINYFARM_BUILD_DIR")
    return Path(override) if override else FIRMWARE_DIR.parent / "build" / "firmware"


@dataclass(frozen=True)
class BuildSpec:
    port: str
    board_name: str
    clock_hz: int | None = None
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    slot_size: int | None = None
    protocol: str = "tinyfarm"  # "eembc": the agent's MLPerf Tiny personality

    def make_vars(self) -> dict[str, str]:
        values = {
            "PORT": self.port,
            "BOARD_NAME": self.board_name,
            "CLOCK_HZ": self.clock_hz,
            "FLASH_BYTES": self.flash_bytes,
            "RAM_BYTES": self.ram_bytes,
            "SLOT_SIZE": self.slot_size,
            "PROTOCOL": self.protocol if self.protocol != "tinyfarm" else None,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    def key(self) -> str:
        text = json.dumps(self.make_vars(), sort_keys=True)
        return f"{self.port}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class FirmwareImage:
    elf: Path
    port: str
    build_id: str  # hex; what HELLO reports
    sha256: str  # of the ELF file
    flash_bytes: int  # code and initialised data stored in flash
    ram_bytes: int  # static RAM: data, bss, stack
    model_slot_addr: int | None
    host_binary: Path | None = None  # the host port's executable


def build(spec: BuildSpec, out_root: Path) -> FirmwareImage:
    """Run make for the spec (incremental) and describe the result."""
    out = out_root / spec.key()
    args = ["make", "-s", "-C", str(FIRMWARE_DIR), f"O={out}"]
    args += [f"{k}={v}" for k, v in spec.make_vars().items()]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise FlashError(f"firmware build for {spec.board_name} ({spec.port}) failed:\n{done.stderr[-2000:]}")
    if spec.port == "host":
        binary = out / "agent-host"
        sha = hashlib.sha256(binary.read_bytes()).hexdigest()
        return FirmwareImage(binary, "host", "", sha, binary.stat().st_size, 0, None, binary)
    return describe(out / "agent.elf", spec.port)


def describe(elf_path: Path, port: str) -> FirmwareImage:
    with elf_path.open("rb") as handle:
        elf = ELFFile(handle)
        flash = sum(seg["p_filesz"] for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD")
        ram = 0
        build_id = ""
        for section in elf.iter_sections():
            flags = section["sh_flags"]
            if section.name == ".note.gnu.build-id":
                build_id = section.data()[16:].hex()  # after namesz, descsz, type and "GNU\0"
            elif (
                flags & SH_FLAGS.SHF_ALLOC
                and flags & SH_FLAGS.SHF_WRITE
                and section.name not in RUNTIME_SECTIONS
            ):
                ram += section["sh_size"]
        slot = None
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None:
            symbols = symtab.get_symbol_by_name("__model_slot_start")  # type: ignore[attr-defined]
            if symbols:
                slot = int(symbols[0]["st_value"])
    sha = hashlib.sha256(elf_path.read_bytes()).hexdigest()
    return FirmwareImage(elf_path, port, build_id, sha, flash, ram, slot)
