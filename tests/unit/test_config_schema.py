"""farm.schema.json: generated from the validator's tables, shipped, and in step with the validator."""

from __future__ import annotations

import importlib
import json
import tomllib
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from harness.config import load as configload
from harness.config import schema
from harness.errors import ConfigError
from tests.conftest import ROOT

FAKE = '[[boards]]\nname = "host-1"\nbackend = "fake"\n'
# The module-level farm texts the test suite runs, with the fields it fills them with.
TEST_FARMS: dict[str, dict[str, object]] = {
    "tests.plugin.test_plugin": {"latency": 5},
    "tests.plugin.test_by_hand_cli": {},
    "tests.plugin.test_gate_integrity": {"boards": FAKE, "dataset": "d.npz", "samples": 30, "latency": 5},
    "tests.plugin.test_parallel": {"boards": FAKE},
    "tests.plugin.test_pdb": {},
    "tests.plugin.test_user_fixtures": {},
    "tests.unit.test_calibration": {"extra": 'latency_basis = "predicted"'},
    "tests.unit.test_models": {"data": "digits.npz", "budget": "[budgets.digits]\naccuracy_min = 0.5"},
    "tests.unit.test_physical_plugin": {"required": "true"},
    "tests.emulated.test_gate_emulated": {"extra": "icount_shift = 2"},
    "tests.emulated.test_release_gate": {"drop": 0.05},
    "tests.emulated.test_sigkill": {"model": "m.tflite", "data": "d.npz"},
}


def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(schema.SHIPPED.read_text()))


def test_shipped_schema_is_what_the_tables_generate() -> None:
    assert schema.SHIPPED.read_text() == schema.text(), "run: python -m harness.config.schema > " + str(
        schema.SHIPPED.relative_to(ROOT)
    )
    Draft7Validator.check_schema(json.loads(schema.text()))


@pytest.mark.parametrize("source", ["farm.toml", "bench/farm4.toml", *TEST_FARMS])
def test_the_default_and_the_test_farms_validate(source: str) -> None:
    if source.endswith(".toml"):
        data = tomllib.loads((ROOT / source).read_text())
    else:
        data = tomllib.loads(importlib.import_module(source).FARM.format(**TEST_FARMS[source]))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(data)]
    assert errors == []


MUTATIONS = {
    "farm.bogus": ("[farm]\n", '[farm]\nbogus = 1\n'),
    "boards[0].platform": ('profile = "nano33ble"', 'profile = "nano33ble"\nplatform = "nrf52840"'),
    "boards[0].serial.colour": ('tags = ["cortex-m4", "emulated"]', 'serial = { vid = 1, colour = "red" }'),
    "boards[2].machine": ('machine = "netduinoplus2"', 'machine = "netduino"'),
    "boards[0].baud": ('profile = "nano33ble"', 'profile = "nano33ble"\nbaud = 0'),
    "models[0].smaples": ("smoke_samples = 40", "smaples = 40"),
    "budgets.digits-mlp.accuracy_minimum": ("accuracy_min = 0.90", "accuracy_minimum = 0.9"),
    "budgets.digits-mlp.accuracy_min": ("accuracy_min = 0.90", "accuracy_min = 1.5"),
    'budgets.kws."nucleo-*".latency_p95': ("latency_p95_ms = 500", "latency_p95 = 500"),
    "extra": ("[farm]\n", "[extra]\nx = 1\n\n[farm]\n"),
}


@pytest.mark.parametrize("where", sorted(MUTATIONS))
def test_a_wrong_key_fails_the_validator_and_the_schema(tmp_path: Path, where: str) -> None:
    text = (ROOT / "farm.toml").read_text().replace('"fixtures/', f'"{ROOT}/fixtures/')
    old, new = MUTATIONS[where]
    assert old in text
    path = tmp_path / "farm.toml"
    path.write_text(text)
    configload.load(path)  # the unmodified farm loads
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as refused:
        configload.load(path)
    assert refused.value.key == where
    assert list(validator().iter_errors(tomllib.loads(path.read_text())))


def test_schema_bounds_agree_with_the_checks() -> None:
    """Where the schema states bounds or choices, the validator's check draws the same line."""
    from harness.config.load import BOARD_KEYS

    tables = [BOARD_KEYS, *(cls.config_keys for cls in schema.builtin_backends().values())]
    for keys in tables:
        for name, key in keys.items():
            out = schema.key_schema(key)
            for choice in out.get("enum", []):
                assert key.check(choice), name
            if "minimum" in out:
                assert key.check(out["minimum"]) and not key.check(out["minimum"] - 1), name
            if "maximum" in out:
                assert key.check(out["maximum"]) and not key.check(out["maximum"] + 1), name
            if "exclusiveMinimum" in out:
                assert key.check(1) and not key.check(0), name


def test_the_schema_ships_in_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]
    assert "*.json" in data["harness.config"]
    assert schema.SHIPPED.parent == ROOT / "harness" / "config"
