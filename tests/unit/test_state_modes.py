"""Stateful models on the host side: the farm.toml `state` key, INFER's
RESET_STATE flag, and the TFLM reference run the way the board runs the model."""

from __future__ import annotations

import numpy as np
import pytest

from harness.config import load as configload
from harness.errors import ConfigError
from harness.link import messages as m
from harness.models.reference import Reference
from tests.conftest import FIXTURES
from tests.unit.test_config import DATA, GOOD, MODEL

LSTM = FIXTURES / "recurrent" / "state_lstm_int8_b1.tflite"  # raw LSTM output: no saturating head


def test_state_defaults_to_reset_and_takes_carry(write_farm) -> None:  # type: ignore[no-untyped-def]
    config = configload.load(write_farm(GOOD, (MODEL, DATA)))
    assert config.model("digits").state == "reset" and not config.model("digits").carry_state
    carry = GOOD.replace(f'dataset = "{DATA}"', f'dataset = "{DATA}"\nstate = "carry"', 1)
    assert configload.load(write_farm(carry, (MODEL, DATA))).model("digits").carry_state


def test_a_bad_state_names_the_key_and_the_choices(write_farm) -> None:  # type: ignore[no-untyped-def]
    bad = GOOD.replace(f'dataset = "{DATA}"', f'dataset = "{DATA}"\nstate = "keep"', 1)
    with pytest.raises(ConfigError) as info:
        configload.load(write_farm(bad, (MODEL, DATA)))
    assert "state" in str(info.value) and "carry" in str(info.value)


def test_infer_flags_reset_state_unless_carrying() -> None:
    assert m.infer(False) == bytes([m.INFER_RESET_STATE])
    assert m.infer(True) == bytes([m.INFER_PROFILE | m.INFER_RESET_STATE])
    assert m.infer(False, reset_state=False) == b"\x00"
    assert m.Capability.STATE == 1 << 5


def test_reference_resets_per_sample_unless_carrying() -> None:
    x = np.random.default_rng(2).integers(-128, 128, size=(1, 5, 7), dtype=np.int64).astype(np.int8)
    independent, sequence = Reference(LSTM), Reference(LSTM, carry_state=True)
    first, again = independent.run(x), independent.run(x)
    np.testing.assert_array_equal(first, again)
    carried = [sequence.run(x) for _ in range(3)]
    np.testing.assert_array_equal(carried[0], first)
    assert not all(np.array_equal(c, first) for c in carried[1:])
