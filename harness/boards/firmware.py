"""Build the agent firmware for a board and read its sizes from the ELF.

Builds are cached by their parameters: the same port, board name, clock and
memory limits give the same image, built once.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from harness import __version__, paths
from harness.errors import MODEL, ConfigError, FlashError

# RAM regions the linker leaves to run time: not static RAM use.
RUNTIME_SECTIONS = {".arena", ".heap", ".model_slot"}


def default_build_root() -> Path:
    """Where firmware builds are cached: $TINYFARM_BUILD_DIR, else the per-user cache."""
    return paths.build_cache()


@dataclass(frozen=True)
class BuildSpec:
    port: str
    board_name: str
    clock_hz: int | None = None
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    slot_size: int | None = None
    variant: tuple[tuple[str, str], ...] = ()  # the port's board-variant make variables
    protocol: str = "tinyfarm"  # "eembc": the agent's MLPerf Tiny personality
    ops: tuple[str, ...] = ()  # engine operators to build in (OPS=); empty: all of ops.def
    kernels: str | None = None  # KERNELS=ref|dsp; None: the port's default
    fpu: str | None = None  # FPU=fpv4-sp-d16 (hard float) | none; None: the port's default (soft)

    def make_vars(self) -> dict[str, str]:
        values = {
            "PORT": self.port,
            "BOARD_NAME": self.board_name,
            "CLOCK_HZ": self.clock_hz,
            "FLASH_BYTES": self.flash_bytes,
            "RAM_BYTES": self.ram_bytes,
            "SLOT_SIZE": self.slot_size,
            "PROTOCOL": self.protocol if self.protocol != "tinyfarm" else None,
            "OPS": " ".join(self.ops) if self.ops else None,
            "KERNELS": self.kernels,
            "FPU": self.fpu,
        }
        return {k: str(v) for k, v in values.items() if v is not None} | dict(self.variant)

    def key(self) -> str:
        # The sources' folder and tinyfarm's version are part of the key: two installs
        # sharing the cache never mix objects built from different sources.
        sources = {"firmware": str(paths.firmware_dir()), "version": __version__}
        text = json.dumps({**self.make_vars(), **sources}, sort_keys=True)
        return f"{self.port}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


class AgentDoesNotFit(ConfigError):
    """The board's memory cannot hold the agent itself: a farm.toml problem, found at build.
    Not the board's fault, so never retried and never a reason for quarantine."""

    error_class = MODEL

    def __init__(self, spec: BuildSpec, overflow: dict[str, int]):
        limits = {"RAM": ("ram_bytes", spec.ram_bytes), "FLASH": ("flash_bytes", spec.flash_bytes)}
        parts = []
        for region, short in overflow.items():
            key, size = limits.get(region, (region, None))
            parts.append(f"{region} short by {short:,} bytes" + (f" ({key} = {size:,})" if size else ""))
        super().__init__(
            f"board {spec.board_name}",
            "/".join(limits[r][0] for r in overflow if r in limits) or "memory",
            f"the agent does not fit: {'; '.join(parts)}",
            "the board's real memory sizes; a board with more memory for this farm",
        )


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
    # Prebuilt firmware (farm.toml `image`): the files to write and where
    # (None: the file says, or the backend's application offset). Empty: the built agent.
    parts: tuple[tuple[int | None, Path], ...] = ()


# What each build needs on PATH, and how to get it on Debian.
TOOLS = {
    "make": "apt-get install make",
    "arm-none-eabi-gcc": "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "cc": "apt-get install gcc libc6-dev",
}
# GNU ld: "region `RAM' overflowed by 1234 bytes"
_OVERFLOW = re.compile(r"region [`'](\w+)' overflowed by (\d+) bytes")


def missing_tools(port: str) -> list[str]:
    compiler = "cc" if port == "host" else "arm-none-eabi-gcc"
    return [f"{tool} ({TOOLS[tool]})" for tool in ("make", compiler) if shutil.which(tool) is None]


def build(spec: BuildSpec, out_root: Path) -> FirmwareImage:
    """Run make for the spec (incremental) and describe the result."""
    missing = missing_tools(spec.port)
    if missing:
        raise FlashError(f"cannot build the agent for {spec.board_name}: not on PATH: {', '.join(missing)}")
    out = out_root / spec.key()
    args = ["make", "-s", "-C", str(paths.firmware_dir()), f"O={out}"]
    args += [f"{k}={v}" for k, v in spec.make_vars().items()]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        overflow = _OVERFLOW.findall(done.stderr)
        if overflow:
            raise AgentDoesNotFit(spec, {region: int(n) for region, n in overflow})
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
