"""Where tinyfarm finds what it ships and where it writes what it builds.

The wheel carries the agent's C sources and the Renode scripts under
`harness/_data/` (setup.py copies them in at build time); in a checkout they
are the repository's `firmware/` and `renode_scripts/`. Firmware builds go to
a per-user cache, never into site-packages or reports/.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent
FIRMWARE_ENV = "TINYFARM_FIRMWARE_DIR"
BUILD_ENV = "TINYFARM_BUILD_DIR"


def _shipped(name: str) -> Path:
    packaged = PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else CHECKOUT / name


def firmware_dir() -> Path:
    """The agent's sources: $TINYFARM_FIRMWARE_DIR (a fork of them), else the shipped copy."""
    override = os.environ.get(FIRMWARE_ENV)
    return Path(override).resolve() if override else _shipped("firmware")


def renode_scripts_dir() -> Path:
    return _shipped("renode_scripts")


def build_cache() -> Path:
    """$TINYFARM_BUILD_DIR, else $XDG_CACHE_HOME/tinyfarm/firmware (~/.cache by default)."""
    override = os.environ.get(BUILD_ENV)
    if override:
        return Path(override)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "tinyfarm" / "firmware"
