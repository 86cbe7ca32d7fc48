"""A model that does not fit a board fails in the board's terms: board, limit, need."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.boards import fit
from harness.boards.firmware import FirmwareImage
from harness.config.load import load
from harness.config.model import BoardConfig
from harness.errors import MODEL, DeviceError, ModelDoesNotFit
from harness.run.farm import Farm

WriteFarm = Callable[..., Path]
FW = FirmwareImage(Path("agent.elf"), "mps2_an386", "", "", 40_000, 6_000, None)
BOARD = BoardConfig(name="nano-small", backend="qemu", flash_bytes=131_072, ram_bytes=49_152)


def test_arena_too_small_names_board_limit_and_need() -> None:
    agent = DeviceError(6, "arena too small: model needs 51234 bytes, have 24576")
    restated = fit.explain(agent, BOARD, FW, 98_496, "resnet")
    assert isinstance(restated, ModelDoesNotFit) and restated.error_class == MODEL
    text = str(restated)
    assert text.startswith("board nano-small: model resnet needs 51,234 bytes of arena")
    assert "the board's RAM leaves 24,576 (ram_bytes = 49,152" in text
    assert "26,658 B short" in text
    assert "[agent: arena too small: model needs 51234 bytes, have 24576]" in text


def test_other_agent_errors_are_left_alone() -> None:
    assert fit.explain(DeviceError(5, "unsupported op 42"), BOARD, FW, 1) is None
    scratch = fit.explain(DeviceError(6, "arena too small: 512 bytes are not enough"), BOARD, FW, 10)
    assert scratch is not None and "board nano-small" in str(scratch) and "ram_bytes = 49,152" in str(scratch)


def test_flash_overflow_is_refused_before_flashing() -> None:
    fit.check_flash(BOARD, FW, 91_072)  # exactly full
    with pytest.raises(ModelDoesNotFit) as info:
        fit.check_flash(BOARD, FW, 98_496, "resnet")
    assert str(info.value) == (
        "board nano-small: model resnet does not fit in flash: firmware 40,000 B + model 98,496 B "
        "= 138,496 B, the board has 131,072 B (flash_bytes = 131,072); 7,424 B over"
    )
    fit.check_flash(BoardConfig(name="x", backend="qemu"), FW, 10**9)  # no limit set: nothing to check


def test_host_agent_with_a_small_arena_fails_as_a_model_error(write_farm: WriteFarm) -> None:
    """The real agent's answer, through the runner and the farm, restated for the board."""
    path = write_farm(
        """
        [[boards]]
        name = "tiny-arena"
        backend = "fake"
        arena_bytes = 600
        ram_bytes = 65_536

        [[models]]
        name = "cnn"
        path = "models/digits_cnn_int8.tflite"
        """,
        ("models/digits_cnn_int8.tflite",),
    )
    farm = Farm(load(path))
    record = farm.run("tiny-arena", "cnn")
    assert record.verdict == "error" and record.error_class == "model"
    assert record.error is not None
    assert record.error.startswith("board tiny-arena: ")
    assert "bytes of arena" in record.error or "does not fit the arena" in record.error
    assert "ram_bytes = 65,536" in record.error
