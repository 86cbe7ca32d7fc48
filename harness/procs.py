"""Helper processes (emulators, ser2net, the host agent): start them so they
die with the harness, stop them as a group. Used by backends and links alike.
And a tool's chatter kept off stdout (quiet_stdout)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any


def stop_process_group(process: subprocess.Popen[Any] | None) -> None:
    """End a process started with start_new_session=True, and its children."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def die_with_harness() -> None:
    """preexec_fn for helper processes (emulators, ser2net, the host agent).

    They run in their own session so they can be stopped as a group, which
    also puts them out of reach of a signal sent to the harness's group. On
    Linux, PR_SET_PDEATHSIG makes the kernel kill them when the harness dies,
    even by SIGKILL, so no orphaned emulator keeps a core busy.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send a tool's prints to stderr, down to the file descriptor (esptool's console
    holds sys.stdout itself): stdout stays for what tinyfarm prints to be parsed."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no descriptor (captured): Python level only
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    saved = os.dup(fd)
    try:
        os.dup2(sys.stderr.fileno(), fd)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)
