"""Serial ports by USB identity, never by device path alone.

/dev/ttyACM0 names a different board after every replug, and a board's
port vanishes and comes back under another name when it is reset or
flashed. A physical board's port is therefore found by what the USB device
says about itself (VID:PID, serial number, location on the hubs), as
farm.toml's `serial = { vid, pid, serial_number, location }` gives it.

Every backend that talks to a physical board's UART goes through
`find()` / `wait_for_port()` here, and the only source of ports is
`comports()` (pyserial's list_ports). Tests replace `comports` with a list
that carries an identity and points at a pty: the code that matches, waits
and opens is then exactly the code that runs against a rack.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config.model import SerialMatch
from harness.errors import BoardUnavailable


def comports() -> list[Any]:
    """The serial ports the OS lists now (pyserial ListPortInfo objects)."""
    from serial.tools import list_ports

    return list(list_ports.comports())


@dataclass(frozen=True)
class PortInfo:
    """One listed serial port and the USB identity it carries (None: not a USB port)."""

    device: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    location: str | None = None
    description: str = ""
    manufacturer: str | None = None
    product: str | None = None

    @classmethod
    def from_pyserial(cls, info: Any) -> PortInfo:
        description = getattr(info, "description", "") or ""
        return cls(
            device=str(info.device),
            vid=getattr(info, "vid", None),
            pid=getattr(info, "pid", None),
            serial_number=getattr(info, "serial_number", None),
            location=getattr(info, "location", None),
            description="" if description == "n/a" else description,
            manufacturer=getattr(info, "manufacturer", None),
            product=getattr(info, "product", None),
        )

    @property
    def usb(self) -> bool:
        return self.vid is not None and self.pid is not None

    @property
    def usb_location(self) -> str | None:
        """The hub path without the interface suffix: "1-1.4" for "1-1.4:1.0"."""
        return self.location.split(":", 1)[0] if self.location else None

    def identity(self) -> dict[str, str]:
        """What farm.toml needs to find this port again (strings, for tables and JSON)."""
        out: dict[str, str] = {}
        if self.vid is not None and self.pid is not None:
            out["vid:pid"] = f"{self.vid:04x}:{self.pid:04x}"
        if self.serial_number:
            out["serial_number"] = self.serial_number
        if self.location:
            out["location"] = self.location
        return out

    def as_match(self, with_location: bool = False) -> SerialMatch:
        """The farm.toml identity of this port. The location is added when asked, or
        when the device has no serial number (then it is the only thing that tells
        identical boards apart)."""
        location = self.usb_location if with_location or not self.serial_number else None
        return SerialMatch(self.vid, self.pid, self.serial_number or None, location)


def list_ports() -> list[PortInfo]:
    return [PortInfo.from_pyserial(p) for p in comports()]


def usb_ports() -> list[PortInfo]:
    return [p for p in list_ports() if p.usb]


def is_set(match: SerialMatch) -> bool:
    return any(v is not None for v in (match.vid, match.pid, match.serial_number, match.location))


def matches(match: SerialMatch, port: PortInfo) -> bool:
    """Every field the match sets must agree; a match that sets nothing matches nothing.

    Serial numbers compare case-insensitively (tools print them in either case).
    A location matches the port's location or that location plus an interface
    suffix ("1-1.4" matches "1-1.4:1.0"); "1-1.4:1.2" picks one interface of a
    composite device.
    """
    if not is_set(match):
        return False
    if match.vid is not None and port.vid != match.vid:
        return False
    if match.pid is not None and port.pid != match.pid:
        return False
    if match.serial_number is not None and (port.serial_number or "").lower() != match.serial_number.lower():
        return False
    if match.location is not None:
        loc = port.location or ""
        if loc != match.location and not loc.startswith(match.location + ":"):
            return False
    return True


def find(match: SerialMatch, ports: Iterable[PortInfo] | None = None) -> list[PortInfo]:
    return [p for p in (list_ports() if ports is None else ports) if matches(match, p)]


def describe(match: SerialMatch) -> str:
    parts = []
    if match.vid is not None or match.pid is not None:
        vid = f"{match.vid:04x}" if match.vid is not None else "*"
        pid = f"{match.pid:04x}" if match.pid is not None else "*"
        parts.append(f"{vid}:{pid}")
    if match.serial_number is not None:
        parts.append(f"serial_number={match.serial_number}")
    if match.location is not None:
        parts.append(f"location={match.location}")
    return " ".join(parts) or "(no identity)"


def resolve(board: str, match: SerialMatch, ports: Iterable[PortInfo] | None = None) -> PortInfo:
    """The one port with this identity now; BoardUnavailable when there is none or more than one."""
    found = find(match, ports)
    if len(found) == 1:
        return found[0]
    if not found:
        raise BoardUnavailable(f"board {board}: no serial port with {describe(match)}")
    devices = ", ".join(f"{p.device} ({describe(p.as_match(True))})" for p in found)
    raise BoardUnavailable(
        f"board {board}: {len(found)} serial ports match {describe(match)}: {devices}; "
        "add serial_number or location to tell them apart"
    )


def wait_for_port(
    board: str,
    match: SerialMatch,
    timeout: float,
    *,
    vanish: float = 0.0,
    poll: float = 0.05,
    previous: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> PortInfo:
    """Wait, at most `timeout` seconds, until exactly one port has the identity.

    After a reset or flash the old port may still be listed for a moment before
    it vanishes. With vanish > 0 and the path it had (`previous`), the wait
    first gives that port up to `vanish` seconds to disappear (a USB-UART
    bridge that stays enumerated across a target reset never does, which is
    fine; a port already back under another path ends this at once), then
    waits for the identity to be listed again, under any path.
    """
    start = clock()
    deadline = start + timeout
    if vanish > 0 and previous is not None:
        while clock() - start < vanish and any(p.device == previous for p in find(match)):
            sleep(poll)
    last: BoardUnavailable | None = None
    while True:
        try:
            return resolve(board, match)
        except BoardUnavailable as exc:
            last = exc
        if clock() >= deadline:
            break
        sleep(poll)
    was = f" (it was {previous})" if previous else ""
    raise BoardUnavailable(f"{last} within {timeout:.3g} s{was}") from None


def holders(devices: Iterable[str]) -> dict[str, list[int]]:
    """Which processes have each device open (Linux /proc; empty elsewhere or unreadable).

    `farm list` reports a present board whose port some other process holds
    (a farm run, a terminal program) as busy.
    """
    wanted: dict[str, str] = {}
    for device in devices:
        try:
            wanted[os.path.realpath(device)] = device
        except OSError:
            continue
    found: dict[str, list[int]] = {}
    proc = Path("/proc")
    if not wanted or not proc.is_dir():
        return found
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target in wanted:
                found.setdefault(wanted[target], []).append(int(entry.name))
    return found
