"""A minimal QMP (QEMU Machine Protocol) client over a unix socket."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import BoardUnavailable


class Qmp:
    def __init__(self, path: Path, timeout: float = 10.0, alive: Callable[[], bool] | None = None):
        """Connect once QEMU listens; give up at once when `alive` says QEMU has exited."""
        deadline = time.monotonic() + timeout
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        while True:
            try:
                self._sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if alive is not None and not alive():
                    self._sock.close()
                    raise BoardUnavailable("QEMU exited before its QMP socket appeared") from None
                if time.monotonic() > deadline:
                    raise BoardUnavailable(f"QEMU's QMP socket did not appear within {timeout:g} s") from None
                time.sleep(0.02)
        self._sock.settimeout(timeout)
        self._file = self._sock.makefile("rwb")
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self) -> dict[str, Any]:
        line = self._file.readline()
        if not line:
            raise BoardUnavailable("QEMU closed its QMP socket")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def execute(self, command: str, **arguments: Any) -> Any:
        message: dict[str, Any] = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self._file.write(json.dumps(message).encode() + b"\n")
        self._file.flush()
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise BoardUnavailable(f"QMP {command}: {reply['error'].get('desc', reply['error'])}")
            # anything else is an asynchronous event; skip it

    def close(self) -> None:
        try:
            self._file.close()
            self._sock.close()
        except OSError:
            pass
