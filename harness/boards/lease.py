"""Board leases: one process at a time drives a board.

A lease is an exclusive `flock` on `<lock dir>/<board>.lock`. The kernel
drops it when the holder exits, however it exits (SIGKILL included), so a
crashed worker never leaves a board locked. While held, the file says who
holds it (pid, host, worker, command, since) for `farm list` to show.

The lock dir is `<reports>/locks` of the farm (every run and every `farm`
verb on one farm file share it); set TINYFARM_LOCK_DIR to share leases
between farm files that name the same boards.

A board in a labgrid place is also locked in labgrid's coordinator while
leased (harness.boards.labgrid), so other hosts see it taken too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from harness.config.model import BoardConfig
from harness.errors import BoardUnavailable

LOCK_DIR_ENV = "TINYFARM_LOCK_DIR"
POLL_S = 0.2
LEASE_WAIT_S = 5.0  # how long a `farm` verb waits for a board someone else holds


def lock_dir(state: Path) -> Path:
    override = os.environ.get(LOCK_DIR_ENV)
    return Path(override) if override else state / "locks"


def _lock_path(folder: Path, board: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in board)
    return folder / f"{safe}.lock"


class BoardLease:
    """An exclusive, crash-safe claim on one board."""

    def __init__(self, board: BoardConfig, folder: Path, holder: dict[str, Any] | None = None):
        self.board = board
        self.path = _lock_path(folder, board.name)
        self.holder = holder or {}
        self._file: IO[str] | None = None
        self._place: Any = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, timeout: float = 0.0, waiting: Callable[[str], None] | None = None) -> BoardLease:
        """Take the lease, waiting up to timeout seconds; BoardUnavailable names the holder."""
        if self._file is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise BoardUnavailable(
                        f"board {self.board.name} is busy: leased by {describe(holder_of(self.path))}"
                    ) from None
                if waiting is not None and not told:
                    waiting(f"board {self.board.name} is leased by {describe(holder_of(self.path))}; waiting")
                    told = True
                time.sleep(POLL_S)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.time(),
            "command": " ".join(sys.argv[:3]),
            **self.holder,
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(info))
        handle.flush()
        self._file = handle
        if self.board.labgrid_place:
            from harness.boards.labgrid import acquire

            try:
                self._place = acquire(self.board.labgrid_place, timeout)
            except BaseException:
                self.release()
                raise
        return self

    def release(self) -> None:
        place, self._place = self._place, None
        if place is not None:
            place.release()
        handle, self._file = self._file, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

    def __enter__(self) -> BoardLease:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_of(path: Path) -> dict[str, Any] | None:
    """Who holds the lease on this lock file (None: nobody)."""
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info: dict[str, Any] = json.loads(handle.read() or "{}")
            except json.JSONDecodeError:
                info = {}
            return info
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def holder(board: str, state: Path) -> dict[str, Any] | None:
    return holder_of(_lock_path(lock_dir(state), board))


def describe(info: dict[str, Any] | None) -> str:
    if not info:
        return "another process"
    parts = [f"pid {info.get('pid', '?')}"]
    if info.get("host"):
        parts.append(f"on {info['host']}")
    if info.get("worker"):
        parts.append(f"(worker {info['worker']})")
    if info.get("command"):
        parts.append(f"running {info['command']!r}")
    if info.get("since"):
        parts.append(f"for {time.time() - float(info['since']):.0f} s")
    return " ".join(parts)


@contextlib.contextmanager
def leased(board: BoardConfig, state: Path, timeout: float = LEASE_WAIT_S) -> Iterator[BoardLease]:
    """A lease for a CLI verb: wait briefly, else say who has the board."""
    lease = BoardLease(board, lock_dir(state))
    lease.acquire(timeout)
    try:
        yield lease
    finally:
        lease.release()
