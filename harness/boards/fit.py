"""Does a model fit a board? Clear answers in the board's own terms.

An emulated twin's firmware is linked to the twin's flash and RAM limits
(BuildSpec passes flash_bytes and ram_bytes to make), so a model that would
not fit the real board fails the same way in emulation. The agent's answer
("arena too small: model needs N bytes, have M") is in the firmware's terms;
this module restates it in the board's: which board, which limit, how much
the model needs. Flash is checked on the host before anything is flashed:
firmware flash plus the model must fit the board's flash_bytes, as on the
physical board where the model slot shares the chip's flash.
"""

from __future__ import annotations

import re

from harness.boards.firmware import FirmwareImage
from harness.config.model import BoardConfig
from harness.errors import DeviceError, ModelDoesNotFit

ARENA_TOO_SMALL = 6
SLOT_TOO_SMALL = 8
_NEEDS = re.compile(r"needs (\d+) bytes, have (\d+)")


def _model(model_name: str | None, model_bytes: int) -> str:
    return f"model {model_name}" if model_name else f"the model ({model_bytes:,} bytes)"


def check_flash(
    board: BoardConfig, firmware: FirmwareImage, model_bytes: int, model_name: str | None = None
) -> None:
    """Raise ModelDoesNotFit when firmware flash + model bytes exceed the board's flash_bytes."""
    limit = board.flash_bytes
    if limit is None or firmware.port == "host":
        return
    total = firmware.flash_bytes + model_bytes
    if total > limit:
        raise ModelDoesNotFit(
            f"board {board.name}: {_model(model_name, model_bytes)} does not fit in flash: "
            f"firmware {firmware.flash_bytes:,} B + model {model_bytes:,} B = {total:,} B, "
            f"the board has {limit:,} B (flash_bytes = {limit:,}); {total - limit:,} B over"
        )


def explain(
    exc: DeviceError,
    board: BoardConfig,
    firmware: FirmwareImage,
    model_bytes: int,
    model_name: str | None = None,
) -> ModelDoesNotFit | None:
    """The agent's ARENA_TOO_SMALL / SLOT_TOO_SMALL restated for the board; None for other errors."""
    what = _model(model_name, model_bytes)
    if exc.code == ARENA_TOO_SMALL:
        ram = f"ram_bytes = {board.ram_bytes:,}" if board.ram_bytes else "ram_bytes unset: the port's default"
        static = ""
        if firmware.ram_bytes:
            static = f"; static RAM {firmware.ram_bytes:,} B and the stack take the rest"
        found = _NEEDS.search(exc.message)
        if found:
            need, have = int(found.group(1)), int(found.group(2))
            text = (
                f"board {board.name}: {what} needs {need:,} bytes of arena, "
                f"the board's RAM leaves {have:,} ({ram}{static}); {need - have:,} B short"
            )
        else:
            text = f"board {board.name}: {what} does not fit the arena the board's RAM leaves ({ram}{static})"
        return ModelDoesNotFit(f"{text} [agent: {exc.message}]")
    if exc.code == SLOT_TOO_SMALL:
        return ModelDoesNotFit(
            f"board {board.name}: {what} does not fit the firmware's model slot "
            f"(flash_bytes = {board.flash_bytes or 'not set'}) [agent: {exc.message}]"
        )
    return None
