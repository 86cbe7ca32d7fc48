"""farm.toml rules for boards that speak the MLPerf Tiny (EEMBC) protocol.

A model may omit `path` only when every board speaks eembc (the model lives in
the user's firmware); `build` needs `firmware` (the file it produces); the
placeholders in both are {model} and {board} and nothing else.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from typing import Any

from harness.config.model import BoardConfig, ModelConfig

PLACEHOLDERS = ("model", "board")
# What a name must look like before it reaches a command line or a path.
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def placeholders_ok(text: str) -> bool:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError:
        return False
    return all(f in PLACEHOLDERS for f in fields)


def valid_command(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(a, str) and a and placeholders_ok(a) for a in value)


def substitute(text: str, model: str, board: str) -> str:
    """Fill {model} and {board}; both must be plain identifiers (no spaces, slashes, dots first)."""
    for kind, name in (("model", model), ("board", board)):
        if not IDENTIFIER.match(name) or ".." in name:
            raise ValueError(f"{kind} name {name!r} is not an identifier ({IDENTIFIER.pattern})")
    return text.format(model=model, board=board)


def check_eembc(
    fail: Callable[[str, str, str | None], Exception],
    boards: Sequence[BoardConfig],
    models: Sequence[ModelConfig],
) -> None:
    native = [b.name for b in boards if b.protocol != "eembc"]
    for index, model in enumerate(models):
        where = f"models[{index}]"
        if model.path is None and native:
            raise fail(f"{where}.path", f"missing, and board {native[0]!r} speaks tinyfarm", "a .tflite file")
        if model.path is None and model.dataset is None:
            raise fail(f"{where}.dataset", "missing: a model without path needs its samples", "an .npz")
        if model.build and model.firmware is None:
            raise fail(f"{where}.firmware", "missing: build needs the file it produces", "a path")
        if model.firmware is not None and not placeholders_ok(model.firmware):
            accepted = "a path; placeholders {model}, {board}"
            raise fail(f"{where}.firmware", f"wrong value {model.firmware!r}", accepted)
