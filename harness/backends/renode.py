"""Emulated boards in Renode: the real agent firmware on a modelled SoC.

The backend writes a `.resc` script from a template in renode_scripts/
(platform description, the ELF, the model into its slot with LoadBinary,
the UART on a server socket terminal, PerformanceInMips from the board's
clock), starts Renode headless with its monitor on a TCP port, connects
pyserial to the UART's socket, and sends `start` on the monitor once the
link is open (boot output is lost while nothing is connected).

Latency is an instruction-count estimate, like QEMU -icount: Renode's
virtual time advances one microsecond per PerformanceInMips instructions,
and the agent's SysTick counts virtual time at `nvic Frequency`. The script
sets both from the board's clock, so one counter tick is
mips * 1e6 / systick_hz instructions (1 when they agree). The monitor's
virtual time (`machine ElapsedVirtualTime`) and instruction count
(`cpu ExecutedInstructions`) are read for the record's identity, as a
cross-check of the counter.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from harness import paths
from harness.backends.base import BoardBackend, LatencyModel, Presence
from harness.boards.firmware import FirmwareImage
from harness.config.keys import Key
from harness.errors import BoardUnavailable, FlashError
from harness.procs import die_with_harness, stop_process_group

SCRIPTS_DIR = paths.renode_scripts_dir()


@dataclass(frozen=True)
class Platform:
    template: str  # file in renode_scripts/
    repl: str  # Renode platform description
    port: str  # firmware port that runs on it
    uart: str  # the peripheral the agent's UART is
    slot_addr: int  # where the model goes, unless the ELF says otherwise
    vector_table: int
    clock_hz: int  # default clock when the board sets none


PLATFORMS: dict[str, Platform] = {
    "nrf52840": Platform(
        "nrf52840.resc",
        "@platforms/cpus/nrf52840.repl",
        "nrf52840",
        "sysbus.uart0",
        0x00080000,  # the port's slot: the top 512 KiB of flash
        0x00010000,  # the port's APP_START, above the Nano's bootloader
        64_000_000,
    ),
    "stm32f4": Platform(
        "stm32f4.resc",
        "@platforms/boards/stm32f4_discovery-kit.repl",
        "netduinoplus2",
        "sysbus.usart1",
        0x08080000,
        0x08000000,
        168_000_000,
    ),
}

# ---------------------------------------------------------------- scripts

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill {{name}} placeholders; a placeholder without a value is an error, not a blank."""
    missing = sorted({name for name in _PLACEHOLDER.findall(template) if name not in values})
    if missing:
        raise ValueError(f"Renode template placeholders without a value: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda found: str(values[found.group(1)]), template)


def _renode_path(path: Path) -> str:
    """A path as Renode's `@path` syntax takes it (no whitespace or quotes)."""
    text = str(path)
    if any(c.isspace() or c in "\"'" for c in text):
        raise FlashError(f"Renode cannot take a path with spaces or quotes: {text!r}; move the work folder")
    return text


# ---------------------------------------------------------------- monitor

_IAC = 0xFF
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PROMPT = re.compile(r"\(([^()\r\n]+)\) ?$")
_ERRORS = ("No such command or device", "There was an error", "Could not find", "Error:", "error executing")
_TIME = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)")


def strip_telnet(data: bytes) -> bytes:
    """Remove telnet negotiation (IAC WILL/WONT/DO/DONT x, IAC SB ... IAC SE) from monitor bytes."""
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte != _IAC:
            out.append(byte)
            i += 1
            continue
        if i + 1 >= len(data):
            break
        command = data[i + 1]
        if command == _IAC:  # an escaped 0xFF
            out.append(_IAC)
            i += 2
        elif command == 0xFA:  # subnegotiation: up to IAC SE
            end = data.find(bytes([_IAC, 0xF0]), i + 2)
            i = len(data) if end < 0 else end + 2
        elif 0xFB <= command <= 0xFE:  # WILL, WONT, DO, DONT + option
            i += 3
        else:
            i += 2
    return bytes(out)


def clean(data: bytes) -> str:
    """Monitor bytes as plain text: no telnet negotiation, colours or carriage returns."""
    text = strip_telnet(data).decode("utf-8", errors="replace")
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def ends_with_prompt(text: str) -> bool:
    return _PROMPT.search(text) is not None


def reply_of(text: str, command: str) -> str:
    """The monitor's answer to a command: without the echo of the command and the next prompt."""
    text = _PROMPT.sub("", text.rstrip("\n")).rstrip()
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and _PROMPT.sub("", lines[0]).strip() in (command.strip(), ""):
        lines.pop(0)  # the echo of the command
    elif lines and re.fullmatch(r"\([^()]+\) " + re.escape(command.strip()), lines[0].strip()):
        lines.pop(0)  # the echo after the previous prompt
    return "\n".join(line.rstrip() for line in lines).strip()


def parse_virtual_time(text: str) -> float:
    """Seconds from Renode's TimeStamp / TimeInterval text.

    `machine ElapsedVirtualTime` prints a TimeStamp, "[Domain = ..., TimeElapsed
    = 00:00:01.234567890]"; a bare TimeInterval is "00:00:01.234567890" (older
    releases print six decimals).
    """
    match = re.search(r"TimeElapsed\s*=\s*([\d:.]+)", text)
    candidate = match.group(1) if match else text
    found = _TIME.search(candidate)
    if not found:
        raise ValueError(f"no virtual time in Renode's answer {text!r}")
    hours, minutes, seconds = found.group(1), found.group(2), found.group(3)
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def parse_int(text: str) -> int:
    found = re.search(r"(0x[0-9a-fA-F]+|\d+)", text)
    if not found:
        raise ValueError(f"no number in Renode's answer {text!r}")
    return int(found.group(1), 0)


class MonitorError(BoardUnavailable):
    """Renode's monitor refused a command."""


class RenodeMonitor:
    """A client of Renode's monitor on a TCP port (renode --port N)."""

    def __init__(self, sock: socket.socket, timeout: float = 30.0):
        self.sock = sock
        self.timeout = timeout
        self.transcript: list[tuple[str, str]] = []  # (command, answer), for error messages
        self._buffer = b""

    @classmethod
    def connect(
        cls, host: str, port: int, deadline: float, alive: Callable[[], bool] = lambda: True
    ) -> RenodeMonitor:
        """Connect once Renode listens, and wait for its first prompt."""
        last: OSError | None = None
        while time.monotonic() < deadline:
            if not alive():
                raise BoardUnavailable("Renode exited before its monitor port opened")
            try:
                sock = socket.create_connection((host, port), timeout=1.0)
            except OSError as exc:
                last = exc
                time.sleep(0.2)
                continue
            monitor = cls(sock)
            monitor.read_until_prompt(deadline)
            return monitor
        raise BoardUnavailable(f"Renode's monitor on port {port} did not open in time ({last})")

    def read_until_prompt(self, deadline: float) -> str:
        while True:
            text = clean(self._buffer)
            if ends_with_prompt(text):
                self._buffer = b""
                return text
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BoardUnavailable(f"Renode's monitor gave no prompt in time; last said {text[-300:]!r}")
            self.sock.settimeout(min(remaining, 1.0))
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                raise BoardUnavailable(f"Renode's monitor closed the connection; last said {text[-300:]!r}")
            self._buffer += chunk

    def execute(self, command: str, timeout: float | None = None) -> str:
        """Run one monitor command; return its answer; raise MonitorError if Renode refuses it."""
        self.sock.sendall(command.encode() + b"\n")
        text = self.read_until_prompt(time.monotonic() + (timeout or self.timeout))
        answer = reply_of(text, command)
        self.transcript.append((command, answer))
        if any(marker.lower() in answer.lower() for marker in _ERRORS):
            raise MonitorError(f"Renode refused {command!r}: {answer}")
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- backend


class RenodeBackend(BoardBackend):
    emulated = True
    config_keys: ClassVar[dict[str, Key]] = {
        "platform": Key((str,), " | ".join(PLATFORMS), lambda v: v in PLATFORMS, required=True),
        "renode": Key((str,), "the renode executable"),
        "repl": Key((str,), "a Renode platform description (@platforms/... or a path)"),
        "uart": Key((str,), "the agent's UART peripheral, e.g. sysbus.uart0"),
        "mips": Key((int,), "an integer > 0: instructions per virtual microsecond", lambda v: v > 0),
        "monitor_port": Key((int,), "a TCP port 1024..65535", lambda v: 1024 <= v <= 65535),
        "uart_port": Key((int,), "a TCP port 1024..65535", lambda v: 1024 <= v <= 65535),
        "startup_timeout": Key((int, float), "seconds > 0", lambda v: v > 0),
    }

    def __init__(self, board, workdir):  # type: ignore[no-untyped-def]
        super().__init__(board, workdir)
        self.platform = PLATFORMS[board.options["platform"]]
        self.executable: str = board.options.get("renode", "renode")
        self.startup_timeout: float = float(board.options.get("startup_timeout", 120))
        self._process: subprocess.Popen[bytes] | None = None
        self._monitor: RenodeMonitor | None = None
        self._monitor_port: int | None = None
        self._uart_port: int | None = None

    # -- description -----------------------------------------------------
    @property
    def target(self) -> str:
        return self.board.target or self.platform.port

    @property
    def clock_hz(self) -> int:
        return self.board.clock_hz or self.platform.clock_hz

    @property
    def mips(self) -> int:
        return int(self.board.options.get("mips") or max(1, round(self.clock_hz / 1e6)))

    @property
    def systick_hz(self) -> int:
        return self.clock_hz

    @property
    def link_bytes_per_s(self) -> float:
        return 10_000.0  # a socket terminal; Renode paces the UART in virtual time

    def presence(self) -> Presence:
        if shutil.which(self.executable) is None:
            reason = f"{self.executable} not found on PATH (installing Renode: docs/emulated-twins.md)"
            return Presence(False, reason)
        return Presence(True)

    def identity(self) -> dict[str, str]:
        values = {
            "backend": "renode",
            "platform": self.board.options["platform"],
            "mips": str(self.mips),
            "uart": f"socket://127.0.0.1:{self._uart_port}" if self._uart_port else "",
        }
        if self._monitor is not None:
            try:
                values["virtual_time_s"] = f"{self.virtual_time():.9f}"
                values["executed_instructions"] = str(self.executed_instructions())
            except (BoardUnavailable, ValueError, OSError):
                pass  # a cross-check, not a result
        return values

    # -- script and command ------------------------------------------------
    def script(self, firmware: FirmwareImage, model_file: Path | None, uart_port: int) -> str:
        template = (SCRIPTS_DIR / self.platform.template).read_text()
        load_model = ""
        if model_file is not None:
            slot = firmware.model_slot_addr or self.platform.slot_addr
            load_model = f"sysbus LoadBinary @{_renode_path(model_file)} {slot:#x}"
        return render(
            template,
            {
                "board": self.board.name,
                "machine": re.sub(r"[^\w-]", "_", self.board.name),
                "repl": self.board.options.get("repl", self.platform.repl),
                "mips": self.mips,
                "systick_hz": self.systick_hz,
                "elf": _renode_path(firmware.elf),
                "load_model": load_model,
                "uart_port": uart_port,
                "uart": self.board.options.get("uart", self.platform.uart),
                "vector_table": f"{self.platform.vector_table:#x}",
            },
        )

    def command(self, script: Path, monitor_port: int) -> list[str]:
        return [
            self.executable,
            "--disable-xwt",  # headless
            "--plain",  # no colour codes on the monitor
            "--hide-log",
            "--port",
            str(monitor_port),
            "-e",
            f"include @{_renode_path(script)}",
        ]

    # -- lifecycle ---------------------------------------------------------
    def flash(self, firmware: FirmwareImage, model: bytes | None) -> None:
        self.close()
        model_file = None
        if model is not None:
            model_file = self.workdir / "model-slot.bin"
            model_file.write_bytes(model)
        self._monitor_port = self.board.options.get("monitor_port") or free_port()
        self._uart_port = self.board.options.get("uart_port") or free_port()
        script = self.workdir / f"{self.board.name}.resc"
        script.write_text(self.script(firmware, model_file, self._uart_port))
        log = open(self.workdir / "renode.log", "wb")  # noqa: SIM115 - owned by the process
        try:
            self._process = subprocess.Popen(
                self.command(script, self._monitor_port),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_harness,
                cwd=self.workdir,
            )
        except OSError as exc:
            raise FlashError(f"board {self.board.name}: cannot start {self.executable}: {exc}") from exc
        finally:
            log.close()
        process = self._process
        try:
            deadline = time.monotonic() + self.startup_timeout
            self._monitor = RenodeMonitor.connect(
                "127.0.0.1", self._monitor_port, deadline, alive=lambda: process.poll() is None
            )
            # The script has run once the machine answers: the UART socket is listening.
            self.virtual_time()
        except BoardUnavailable as exc:
            self.close()
            tail = (self.workdir / "renode.log").read_text(errors="replace")[-800:]
            raise FlashError(f"board {self.board.name}: Renode did not start: {exc}; log: {tail}") from exc

    def link_url(self) -> str:
        if self._uart_port is None or self._process is None:
            raise BoardUnavailable(f"board {self.board.name}: Renode is not running")
        return f"socket://127.0.0.1:{self._uart_port}"

    def link_opened(self) -> None:
        self.monitor("start")

    def latency_model(self, counter_hz: int) -> LatencyModel:
        # The counter ticks at the SysTick frequency the script set, in virtual
        # time; virtual time advances one second per mips * 1e6 instructions.
        del counter_hz
        return LatencyModel("instruction-estimate", self.mips * 1e6 / self.systick_hz)

    def monitor(self, command: str) -> str:
        if self._monitor is None:
            raise BoardUnavailable(f"board {self.board.name}: Renode is not running")
        return self._monitor.execute(command)

    def virtual_time(self) -> float:
        """Seconds of virtual time the machine has run."""
        return parse_virtual_time(self.monitor("machine ElapsedVirtualTime"))

    def executed_instructions(self) -> int:
        return parse_int(self.monitor("cpu ExecutedInstructions"))

    def reset(self) -> None:
        self.monitor("machine Reset")

    def close(self) -> None:
        if self._monitor is not None:
            with contextlib.suppress(BoardUnavailable, OSError):
                self._monitor.execute("quit", timeout=2.0)
            self._monitor.close()
            self._monitor = None
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=3)  # Renode leaves on `quit`; if not, it is stopped
        stop_process_group(process)
