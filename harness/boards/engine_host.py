"""The engine compiled for this machine, to ask it what it would plan for a model
(`farm check`): built once into the per-user cache from the shipped sources."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from harness import __version__, paths
from harness.errors import FlashError


def _sources_digest() -> str:
    """Of the engine's sources and the host driver: two source trees (or versions of one)
    never share objects in the cache, whatever their timestamps say."""
    root = paths.firmware_dir()
    files = [*sorted((root / "engine").rglob("*.[ch]")), root / "engine" / "ops.def"]
    files += [*sorted((root / "tests" / "engine").glob("*.c")), root / "tests" / "engine" / "Makefile"]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:12]


def engine_tool() -> Path:
    """engine_run (-O2) for this host, building it when missing or stale."""
    if shutil.which("make") is None or shutil.which("cc") is None:
        raise FlashError(
            "cannot build the host engine: make and cc are needed (apt-get install make gcc libc6-dev)"
        )
    out = paths.build_cache() / f"engine-host-{__version__}-{_sources_digest()}"
    tool = out / "engine_run_fast"
    args = ["make", "-s", "-C", str(paths.firmware_dir() / "tests" / "engine"), f"BUILD={out}", str(tool)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise FlashError(f"host engine build failed:\n{done.stderr[-2000:]}")
    return tool


def plan(model: Path) -> dict[str, Any]:
    """What the engine says when it loads the model: status, msg, arena_used (this host's
    pointer size: a 32-bit board's arena is a little smaller), ops."""
    done = subprocess.run(
        [str(engine_tool()), "--check", str(model)], capture_output=True, text=True, timeout=120, check=False
    )
    lines = done.stderr.strip().splitlines()
    try:
        result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    return result or {"status": done.returncode, "msg": done.stderr[-500:], "arena_used": None}
