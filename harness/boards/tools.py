"""Third-party flashing tools (pyOCD, esptool), imported on first use so a farm of
emulated boards needs none, and the probes pyOCD sees. Used by the physical
backends and by discovery."""

from __future__ import annotations

import importlib
import time
from typing import Any

from harness.errors import FlashError


def import_tool(module: str, tool: str, board: str) -> Any:
    """Import a flashing tool's module on first use, so a farm of emulated boards needs none."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise FlashError(
            f"board {board}: {tool} is not installed ({exc}); pip install 'tinyfarm[hardware]'"
        ) from exc


def tool_installed(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


PROBE_CACHE_SECONDS = 2.0
_probe_cache: tuple[float, list[Any]] | None = None


def connected_probes(fresh: bool = False) -> list[Any]:
    """pyOCD's probes now (cached for a moment: `farm list` asks once per board)."""
    global _probe_cache
    now = time.monotonic()
    if not fresh and _probe_cache is not None and now - _probe_cache[0] < PROBE_CACHE_SECONDS:
        return _probe_cache[1]
    helpers = import_tool("pyocd.core.helpers", "pyocd", "-")
    probes = list(helpers.ConnectHelper.get_all_connected_probes(blocking=False, print_wait_message=False))
    _probe_cache = (now, probes)
    return probes
