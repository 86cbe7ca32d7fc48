"""Boards in a labgrid place: labgrid's coordinator holds the lock across hosts.

A board with `labgrid_place = "NAME"` is leased by acquiring that place
(after the local lease, harness.boards.lease), its link is the RFC2217 port of the
place's NetworkSerialPort (the exporter runs ser2net for it), and the place
is released with the lease.

This talks to labgrid through `labgrid-client`, its stable interface, not
through its Python modules: labgrid ≥ 24 installs `pyserial-labgrid`, a fork
that replaces pyserial's `serial` package in the environment it is installed
into, and its client API is internal asyncio gRPC. So labgrid lives in its
own environment (e.g. `pipx install labgrid`), and nothing here imports it.
The coordinator is labgrid's own setting: LG_COORDINATOR (host:port).
TINYFARM_LABGRID_CLIENT names the client executable when it is not on PATH.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import time

from harness.errors import BoardUnavailable, LinkError

CLIENT_ENV = "TINYFARM_LABGRID_CLIENT"
COMMAND_TIMEOUT = 30.0
POLL_S = 1.0


def client() -> str:
    path = os.environ.get(CLIENT_ENV) or shutil.which("labgrid-client")
    if not path:
        raise BoardUnavailable(
            f"labgrid-client not found: install labgrid (pipx install labgrid) or set {CLIENT_ENV}"
        )
    return path


def run(place: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [client(), "-p", place, *args]
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BoardUnavailable(f"labgrid place {place}: {' '.join(args)} timed out") from exc
    if check and done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise BoardUnavailable(
            f"labgrid place {place}: {' '.join(args)} failed: {message[-1] if message else ''}"
        )
    return done


class PlaceLease:
    def __init__(self, place: str):
        self.place = place

    def release(self) -> None:
        run(self.place, "release", check=False)


def acquire(place: str, timeout: float = 0.0) -> PlaceLease:
    """Acquire the place in the coordinator, waiting up to timeout seconds while someone else has it."""
    deadline = time.monotonic() + timeout
    while True:
        done = run(place, "acquire", check=False)
        if done.returncode == 0:
            return PlaceLease(place)
        text = (done.stderr + done.stdout).strip()
        if "already acquired" not in text or time.monotonic() >= deadline:
            last = text.splitlines()[-1] if text else f"exit {done.returncode}"
            raise BoardUnavailable(f"labgrid place {place}: cannot acquire: {last}")
        time.sleep(POLL_S)


def parse_serial_url(show: str) -> str | None:
    """rfc2217://host:port of the first NetworkSerialPort in `labgrid-client show` output."""
    for match in re.finditer(r"Acquired resource '[^']*' \(([^)]*)\):\n(\s+\{.*?\})\n(?=\S|\Z)", show, re.S):
        if "/NetworkSerialPort/" not in match.group(1):
            continue
        try:
            resource = ast.literal_eval(match.group(2).strip())
        except (ValueError, SyntaxError):
            continue
        params = resource.get("params", {})
        if params.get("host") and params.get("port"):
            return f"rfc2217://{params['host']}:{params['port']}"
    return None


def serial_url(place: str) -> str:
    """The RFC2217 URL of an acquired place's serial port (ser2net on the exporter)."""
    url = parse_serial_url(run(place, "show").stdout)
    if url is None:
        raise LinkError(f"labgrid place {place} has no NetworkSerialPort among its acquired resources")
    return url
