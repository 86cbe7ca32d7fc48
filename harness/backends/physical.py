"""What the physical backends (pyocd, esptool, command) share.

- Identity: a board is its probe's unique id and/or its serial port's USB
  identity (harness.boards.serialports), never a device path. `url` (rfc2217://,
  socket://) is for a port exported by another host.
- After a reset or flash the port may vanish and come back under another
  path: the next open waits for it by identity, within `port_timeout`.
- Flashing is skipped when the board already runs this firmware with this
  model: open the link, HELLO, compare the build id and the model's SHA-256
  (HELLO's, or SLOT_VERIFY's for a model flashed but not yet loaded).
- A tool's failure becomes a FlashError naming the board, the tool and what
  the tool said.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator
from typing import ClassVar

from harness.backends.base import BoardBackend, LatencyModel, Presence
from harness.boards.firmware import FirmwareImage
from harness.boards.images import ranges
from harness.boards.serialports import PortInfo, describe, find, holders, is_set, wait_for_port
from harness.config.keys import Key
from harness.config.ports import PORTS
from harness.errors import BoardUnavailable, DeviceError, FarmError, FlashError, LinkError
from harness.link.links import Link, SerialLink
from harness.procs import quiet_stdout

# Seconds a board's port may take to come back after a reset or flash (USB
# re-enumeration, a bootloader's own port first). Times timeout_factor.
DEFAULT_PORT_TIMEOUT = 15.0
# How long a port that is still listed right after a reset gets to vanish.
VANISH_GRACE = 1.0
# The check before flashing must not hold a healthy rack up for long.
CHECK_PORT_TIMEOUT = 2.0

PHYSICAL_KEYS: dict[str, Key] = {
    "port_timeout": Key((int, float), "seconds > 0", lambda v: v > 0),
    "reflash": Key((bool,), "true (always flash) or false (skip when the board runs the same build)"),
}

ProgressFn = Callable[[str, float], None]


class PhysicalBackend(BoardBackend):
    emulated = False
    default_clock_hz = 64_000_000
    tool: ClassVar[str] = "tool"  # named in messages
    config_keys: ClassVar[dict[str, Key]] = PHYSICAL_KEYS

    image_formats: ClassVar[tuple[str, ...]] = ("elf", "hex", "bin")  # prebuilt images it flashes
    bin_default_addr: ClassVar[bool] = False  # a lone .bin image goes to a default address

    def __init__(self, board, workdir):  # type: ignore[no-untyped-def]
        super().__init__(board, workdir)
        self.progress: ProgressFn | None = None  # set by `farm flash`
        self.skipped_flash = False  # the last flash() found the build already running
        self._device: str | None = None  # the path the port had when last found
        self._reenumerating = False  # a reset or flash happened since

    @property
    def clock_hz(self) -> int:
        """farm.toml's (or the profile's) clock, else the firmware port's default."""
        port = PORTS.get(self.board.target or "")
        return self.board.clock_hz or (port.clock_hz if port else self.default_clock_hz)

    # -- identity and presence ---------------------------------------------
    @property
    def port_timeout(self) -> float:
        return float(self.board.options.get("port_timeout", DEFAULT_PORT_TIMEOUT)) * self.board.timeout_factor

    def identity(self) -> dict[str, str]:
        out = {"backend": self.board.backend}
        if self.board.probe:
            out["probe"] = self.board.probe
        serial = self.board.serial
        if serial is not None:
            if serial.vid is not None or serial.pid is not None:
                vid = f"{serial.vid:04x}" if serial.vid is not None else "*"
                pid = f"{serial.pid:04x}" if serial.pid is not None else "*"
                out["vid:pid"] = f"{vid}:{pid}"
            if serial.serial_number:
                out["serial_number"] = serial.serial_number
            if serial.location:
                out["location"] = serial.location
        if self.board.url:
            out["url"] = self.board.url
        if self._device:
            out["port"] = self._device
        return out

    def probe_presence(self) -> Presence | None:
        """The debug probe's presence (None: this backend uses no probe)."""
        return None

    def tool_presence(self) -> Presence:
        return Presence(True)

    def presence(self) -> Presence:
        tool = self.tool_presence()
        if not tool.present:
            return tool
        probe = self.probe_presence()
        if probe is not None and not probe.present:
            return probe
        if self.board.url:
            local = "://" not in self.board.url
            if local and not os.path.exists(self.board.url):
                return Presence(False, f"no serial device {self.board.url}")
            return Presence(True)
        serial = self.board.serial
        if serial is None or not is_set(serial):
            if probe is not None:
                return Presence(True)
            return Presence(False, f"no identity: set serial = {{ vid, pid, serial_number }} for {self.tool}")
        found = find(serial)
        if not found:
            return Presence(False, f"no serial port with {describe(serial)}")
        if len(found) > 1:
            paths = ", ".join(p.device for p in found)
            return Presence(False, f"{len(found)} serial ports match {describe(serial)} ({paths})")
        self._device = found[0].device
        return Presence(True)

    def busy(self) -> str:
        """Who else holds the board's port ("" when nobody, or unknown)."""
        if self._device is None:
            return ""
        pids = holders([self._device]).get(self._device)
        return f"{self._device} open by pid {', '.join(map(str, pids))}" if pids else ""

    # -- link -------------------------------------------------------------
    def find_port(self, timeout: float | None = None) -> PortInfo:
        """The board's serial port by identity, waiting for it after a reset or flash."""
        serial = self.board.serial
        if serial is None or not is_set(serial):
            raise BoardUnavailable(
                f"board {self.board.name}: no serial identity; set serial = {{ vid, pid, serial_number }} "
                "(or url for a port on another host)"
            )
        port = wait_for_port(
            self.board.name,
            serial,
            self.port_timeout if timeout is None else timeout,
            vanish=VANISH_GRACE if self._reenumerating else 0.0,
            previous=self._device,
        )
        self._reenumerating = False
        self._device = port.device
        return port

    def link_url(self) -> str:
        if self.board.url:
            return self.board.url
        return self.find_port().device

    def open_link(self, timeout: float | None = None) -> Link:
        """Find the port by identity and open it. A port that was just created may not
        open yet (udev still setting permissions): retry until the deadline."""
        bound = self.port_timeout if timeout is None else timeout
        deadline = time.monotonic() + bound
        while True:
            url = self.board.url or self.find_port(max(deadline - time.monotonic(), 0.0)).device
            try:
                return SerialLink(url, self.board.baud)
            except LinkError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    # -- flashing ---------------------------------------------------------
    def flash(self, firmware: FirmwareImage, model: bytes | None) -> None:
        self.skipped_flash = False
        if not self.board.options.get("reflash", False) and self.runs(firmware, model):
            self.skipped_flash = True
            self._report("already running", 1.0)
            return
        self.check_bootloader(firmware)
        with self.tool_errors("flash"), quiet_stdout():
            self.program(firmware, model)
        self._reenumerating = True

    def check_bootloader(self, firmware: FirmwareImage) -> None:
        """Refuse an image that writes below app_start on a board with a bootloader there."""
        board = self.board
        if not board.bootloader or not board.app_start:
            return
        port = PORTS.get(board.target or "")
        origin = port.flash_origin if port else 0
        end = origin + board.app_start
        for start, stop in ranges(firmware):
            if start < end and stop > origin:
                raise FlashError(
                    f"board {board.name}: {firmware.elf.name} writes 0x{start:08x}-0x{stop:08x}, into "
                    f"the bootloader (0x{origin:08x}-0x{end:08x}, below app_start); not flashed"
                )

    @abstractmethod
    def program(self, firmware: FirmwareImage, model: bytes | None) -> None:
        """Write the agent and the model into its slot with the tool, then reset the board."""

    def runs(self, firmware: FirmwareImage, model: bytes | None) -> bool:
        """Whether the board already runs this build with this model in its slot.

        Any doubt (no build id to compare, no port, no answer) means no.
        """
        from harness.link.session import AgentSession

        if not firmware.build_id:  # the host build: nothing to compare
            return False
        try:
            link = self.open_link(min(CHECK_PORT_TIMEOUT, self.port_timeout))
        except FarmError:
            return False
        try:
            session = AgentSession(link, self.board.name)
            hello = None
            for _attempt in range(2):  # the first HELLO may meet the tail of other traffic
                with contextlib.suppress(FarmError):
                    hello = session.hello()
                    break
            if hello is None or hello.build_id.hex() != firmware.build_id:
                return False
            if model is None:
                return True
            if hello.model_sha256 == hashlib.sha256(model).digest():
                return True
            from harness.link.messages import Capability

            if not hello.has(Capability.SLOT_VERIFY):
                return False
            try:
                session.verify_slot(model)
            except (DeviceError, FarmError):
                return False
            return True
        finally:
            link.close()

    def model_addr(self, firmware: FirmwareImage) -> int:
        """Where the model goes: the board's model_addr, else the ELF's __model_slot_start."""
        addr = self.board.options.get("model_addr", firmware.model_slot_addr)
        if addr is None:
            raise FlashError(
                f"board {self.board.name}: {firmware.elf.name} has no __model_slot_start symbol; "
                "set model_addr in farm.toml"
            )
        return int(addr)

    def model_file(self, model: bytes) -> str:
        path = self.workdir / "model-slot.bin"
        path.write_bytes(model)
        return str(path)

    def reset(self) -> None:
        with self.tool_errors("reset"), quiet_stdout():
            self.hardware_reset()
        self._reenumerating = True

    def hardware_reset(self) -> None:
        """Reset through the tool; a backend without one leaves the board alone."""

    @contextlib.contextmanager
    def tool_errors(self, action: str) -> Iterator[None]:
        """Turn whatever the tool raises into a FlashError naming the board and the tool."""
        try:
            yield
        except FarmError:
            raise
        except Exception as exc:
            message = str(exc).strip() or type(exc).__name__
            raise FlashError(f"board {self.board.name}: {self.tool} {action} failed: {message}") from exc

    def _report(self, stage: str, fraction: float) -> None:
        if self.progress is not None:
            self.progress(stage, fraction)

    def latency_model(self, counter_hz: int) -> LatencyModel:
        # A cycle counter on silicon (DWT CYCCNT), or a timer at counter_hz.
        return LatencyModel("measured", self.clock_hz / counter_hz)
