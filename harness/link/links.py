"""Byte links to a board's agent: anything pyserial opens by URL.

A device path (/dev/ttyACM0, a pty), socket://host:port and
rfc2217://host:port all go through serial.serial_for_url, so a remote or
emulated board's link is the same code as a local one.
"""

from __future__ import annotations

import contextlib
import socket
import time
from abc import ABC, abstractmethod

import serial

from harness.errors import LinkError
from harness.registry import Registry


class Link(ABC):
    """A byte stream with counters; the session frames it."""

    def __init__(self) -> None:
        self.bytes_written = 0
        self.bytes_read = 0

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def read(self, timeout: float) -> bytes:
        """Whatever arrived within timeout seconds (possibly b"")."""

    @abstractmethod
    def close(self) -> None: ...

    def drain(self, quiet: float = 0.05, bound: float = 1.0) -> int:
        """Discard input until the line has been quiet for `quiet` seconds."""
        dropped = 0
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            chunk = self.read(quiet)
            if not chunk:
                break
            dropped += len(chunk)
        return dropped

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(url: str, baud: int) -> serial.SerialBase:
    if url.startswith("socket://"):
        port = serial.serial_for_url(url, baudrate=baud, timeout=0, write_timeout=10)
        # A request goes out at once, not after the previous answer's ACK (Nagle).
        port._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return port
    if not url.startswith("rfc2217://"):
        return serial.serial_for_url(url, baudrate=baud, timeout=0, write_timeout=10)
    # pyserial's RFC 2217 client has no write timeout (and refuses one). A
    # server in front of a pty (an emulator, or a USB bridge without modem
    # lines) never acknowledges DTR/RTS: then ignore those acknowledgements.
    try:
        return serial.serial_for_url(url, baudrate=baud, timeout=0)
    except serial.SerialException as exc:
        if "option 'control'" not in str(exc) or "ign_set_control" in url:
            raise
    joined = f"{url}{'&' if '?' in url else '?'}ign_set_control"
    return serial.serial_for_url(joined, baudrate=baud, timeout=0)


class SerialLink(Link):
    def __init__(self, url: str, baud: int = 115200):
        super().__init__()
        self.url = url
        self._rfc2217 = url.startswith("rfc2217://")
        # pyserial's socket port says 1 byte waiting whenever any are: ask for a block
        self._block = 4096 if url.startswith("socket://") else 0
        try:
            self._port = _open(url, baud)
        except (serial.SerialException, OSError, ValueError, NotImplementedError) as exc:
            raise LinkError(f"cannot open serial link {url}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"write to {self.url} failed: {exc}") from exc
        self.bytes_written += len(data)

    def read(self, timeout: float) -> bytes:
        try:
            self._set_timeout(timeout)
            first = self._port.read(1)
            if not first:
                return b""
            self._set_timeout(0)
            rest = self._port.read(self._block or max(self._port.in_waiting, 0) or 4096)
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"read from {self.url} failed: {exc}") from exc
        data = bytes(first + rest)
        self.bytes_read += len(data)
        return data

    def _set_timeout(self, timeout: float) -> None:
        if self._rfc2217:
            # pyserial's RFC 2217 port renegotiates every setting with the server
            # when its timeout property changes; its read() only needs the value.
            self._port._timeout = timeout
        else:
            self._port.timeout = timeout

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            raw = getattr(self._port, "_socket", None) if self._block else None
            if raw is not None:  # pyserial's socket close sleeps 0.3 s "for quick reconnects"
                raw.close()
                self._port._socket = None
                self._port.is_open = False
            self._port.close()


LINKS: Registry[Link] = Registry("link", "tinyfarm.links", {"serial": "harness.link.links:SerialLink"})
