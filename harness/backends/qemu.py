"""Emulated boards in QEMU: the real agent firmware on an emulated Cortex-M.

The model is "flashed" by QEMU's generic loader, which places the file in
the model slot before the first instruction runs. The UART is a loopback TCP
socket (pyserial's socket://): the harness binds 127.0.0.1 on a free port and
hands QEMU the listening socket itself (fd=), so no other process can take
the port in between, and QEMU sees the connection at once. `chardev = "pty"`
serves it on a pty instead, as before (QEMU polls a pty for a reader once a
second, which costs about a second at every start); a board with a `url`
(ser2net in front of the emulator) always uses a pty. QEMU starts halted (-S)
and resumes only once the link is open, because boot output is lost while
nothing is connected. -icount shift=0 makes every guest instruction take 1 ns of
virtual time, so counter ticks convert to instruction counts exactly and
repeat run to run.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from harness.backends.base import BoardBackend, LatencyModel, Presence
from harness.backends.qmp import Qmp
from harness.boards.firmware import FirmwareImage
from harness.config.keys import Key
from harness.errors import BoardUnavailable, FlashError
from harness.procs import die_with_harness, stop_process_group


@dataclass(frozen=True)
class Machine:
    port: str  # firmware port that runs on it
    slot_addr: int  # where the generic loader puts the model
    clock_hz: int  # the emulated SoC's clock: what SysTick counts in QEMU


MACHINES: dict[str, Machine] = {
    # Not mps2-an500: its image boots, but 0x21000000 is an unimplemented
    # region there (its RAM is at 0x60000000), so the model slot would need a
    # port of its own.
    "mps2-an386": Machine("mps2_an386", 0x21000000, 25_000_000),
    "netduinoplus2": Machine("netduinoplus2", 0x08080000, 168_000_000),
}


CHARDEVS = ("socket", "pty")


def listening_socket() -> socket.socket:
    """A TCP socket listening on a free loopback port, inheritable by the emulator."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


class QemuBackend(BoardBackend):
    emulated = True
    config_keys: ClassVar[dict[str, Key]] = {
        "machine": Key((str,), " | ".join(MACHINES), lambda v: v in MACHINES, required=True),
        "icount_shift": Key((int,), "an integer 0..10", lambda v: 0 <= v <= 10),
        "qemu": Key((str,), "the qemu-system-arm executable"),
        "chardev": Key((str,), " | ".join(CHARDEVS), lambda v: v in CHARDEVS),
    }

    def __init__(self, board, workdir):  # type: ignore[no-untyped-def]
        super().__init__(board, workdir)
        self.machine = MACHINES[board.options["machine"]]
        self.executable = board.options.get("qemu", "qemu-system-arm")
        self.icount_shift: int = board.options.get("icount_shift", 0)
        self._process: subprocess.Popen[bytes] | None = None
        self._qmp: Qmp | None = None
        self._pty: str | None = None
        self._socket: socket.socket | None = None  # listening, until QEMU holds it
        self._url: str | None = None
        self._version = ""
        self._tmp = tempfile.TemporaryDirectory(prefix="tinyfarm-qemu-")

    @property
    def target(self) -> str:
        return self.board.target or self.machine.port

    @property
    def clock_hz(self) -> int:
        return self.board.clock_hz or self.machine.clock_hz

    @property
    def link_bytes_per_s(self) -> float:
        # QEMU's emulated UARTs ignore the baud divisor; host to guest tops out
        # around 15-25 KiB/s (one byte per main-loop pass).
        return 15_000.0

    def presence(self) -> Presence:
        if shutil.which(self.executable) is None:
            return Presence(False, f"{self.executable} not found on PATH (apt-get install qemu-system-arm)")
        return Presence(True)

    @property
    def chardev(self) -> str:
        """How the UART is served: a loopback socket, or a pty (always, behind ser2net)."""
        return "pty" if self.board.url else str(self.board.options.get("chardev", "socket"))

    def identity(self) -> dict[str, str]:
        """What the result depends on: machine, QEMU's version, the instruction clock."""
        ident = {
            "backend": "qemu",
            "machine": self.board.options["machine"],
            "qemu": self._version,
            "icount_shift": str(self.icount_shift),
            "chardev": self.chardev,
        }
        if self.chardev == "pty":
            ident["pty"] = self._pty or ""  # changes every start (a volatile identity key)
        return ident

    def _serial_args(self) -> list[str]:
        if self._socket is None:
            return ["-serial", "pty"]
        chardev = f"socket,id=uart0,fd={self._socket.fileno()},server=on,wait=off,nodelay=on"
        return ["-chardev", chardev, "-serial", "chardev:uart0"]

    def command(self, firmware: FirmwareImage, model_file: Path | None) -> list[str]:
        cmd = [
            self.executable,
            "-M",
            self.board.options["machine"],
            "-nodefaults",
            "-display",
            "none",
            *self._serial_args(),
            "-qmp",
            f"unix:{self._qmp_path},server=on,wait=off",
            "-S",
            "-icount",
            f"shift={self.icount_shift}",
            "-kernel",
            str(firmware.elf),
        ]
        if model_file is not None:
            slot = firmware.model_slot_addr or self.machine.slot_addr
            cmd += ["-device", f"loader,file={model_file},addr={slot:#x},force-raw=on"]
        return cmd

    @property
    def _qmp_path(self) -> Path:
        return Path(self._tmp.name) / "qmp.sock"

    def flash(self, firmware: FirmwareImage, model: bytes | None) -> None:
        self.close()
        model_file = None
        if model is not None:
            model_file = self.workdir / "model-slot.bin"
            model_file.write_bytes(model)
        self._start(self.command_for(firmware, model_file))
        try:
            self._qmp = Qmp(self._qmp_path, alive=self._alive)
            self._version = self._query_version()
            if self.chardev == "pty":
                self._pty = self._find_pty()
        except BoardUnavailable as exc:
            self.close()
            tail = (self.workdir / "qemu.log").read_text(errors="replace")[-500:]
            raise FlashError(f"board {self.board.name}: QEMU did not start: {exc}; log: {tail}") from exc

    def command_for(self, firmware: FirmwareImage, model_file: Path | None) -> list[str]:
        """The command line, with a listening socket for the UART when it is served on one."""
        if self.chardev == "socket":
            self._socket = listening_socket()
            self._url = f"socket://127.0.0.1:{self._socket.getsockname()[1]}"
        return self.command(firmware, model_file)

    def _start(self, cmd: list[str]) -> None:
        keep = (self._socket.fileno(),) if self._socket is not None else ()
        log = open(self.workdir / "qemu.log", "wb")  # noqa: SIM115 - owned by the process
        try:
            self._process = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_harness,
                pass_fds=keep,
            )
        except OSError as exc:
            raise FlashError(f"board {self.board.name}: cannot start {self.executable}: {exc}") from exc
        finally:
            log.close()
            self._release_socket()  # QEMU holds its own copy now

    def _release_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _query_version(self) -> str:
        assert self._qmp is not None
        reply: dict[str, Any] = self._qmp.execute("query-version")
        number = reply.get("qemu", {})
        return "{}.{}.{}".format(number.get("major"), number.get("minor"), number.get("micro"))

    def _find_pty(self) -> str:
        assert self._qmp is not None
        for chardev in self._qmp.execute("query-chardev"):
            filename = chardev.get("filename", "")
            if chardev.get("label") == "serial0" and filename.startswith("pty:"):
                return str(filename[4:])
        raise BoardUnavailable("QEMU reported no pty for serial0")

    def link_url(self) -> str:
        url = self._pty if self.chardev == "pty" else self._url
        if url is None or not self._alive():
            raise BoardUnavailable(f"board {self.board.name}: QEMU is not running")
        return url

    def link_opened(self) -> None:
        if self._qmp is not None:
            self._qmp.execute("cont")

    def latency_model(self, counter_hz: int) -> LatencyModel:
        # QEMU quirk: SysTick's "processor clock" is the emulated SoC's own
        # clock (25 MHz on MPS2, 168 MHz on the STM32F405), whatever clock the
        # firmware was built for and reports in HELLO. Under -icount shift=N
        # each instruction takes 2**N ns of virtual time, so one tick is
        # 1e9 / machine clock / 2**N instructions.
        del counter_hz
        instructions_per_tick = 1e9 / self.machine.clock_hz / (1 << self.icount_shift)
        return LatencyModel("instruction-estimate", instructions_per_tick)

    def lap_model(self) -> LatencyModel:
        # The firmware's microseconds are virtual time: 2**shift ns an instruction.
        return LatencyModel("instruction-estimate", 1e3 / (1 << self.icount_shift))

    def monitor(self, command: str) -> object:
        """A QMP command on the running machine (stop, cont, system_reset)."""
        if self._qmp is None:
            raise BoardUnavailable(f"board {self.board.name}: QEMU is not running")
        return self._qmp.execute(command)

    def reset(self) -> None:
        self.monitor("system_reset")

    def close(self) -> None:
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None
        process, self._process = self._process, None
        self._pty = self._url = None
        self._release_socket()
        stop_process_group(process)
