"""A JSON Schema for farm.toml, built from the validator's own key tables.

Editors that read TOML against a schema (taplo, Even Better TOML) complete
keys and flag unknown ones as you type (docs/farm-toml.md). The schema is
generated from BOARD_KEYS, SERIAL_KEYS, MODEL_KEYS, FARM_KEYS, the budget
RULES and each built-in backend's config_keys, so it cannot drift from the
validator: a unit test regenerates it and compares it with the shipped
farm.schema.json. The validator stays the authority (it also checks files,
names across tables and profiles); the schema is what an editor can know.

    python -m harness.config.schema          the schema, on stdout
    python -m harness.config.schema --path   where the installed copy is
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.config.budget_rules import RULES
from harness.config.keys import BOARD_KEYS, FARM_KEYS, MODEL_KEYS, SERIAL_KEYS, Key, is_identifier
from harness.config.profiles import PROFILES

SHIPPED = Path(__file__).with_name("farm.schema.json")
IDENTIFIER_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # keys._IDENTIFIER (no ".." is the validator's)
_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
_RANGE = re.compile(r"\b(0x[0-9A-Fa-f]+|\d+)\.\.(0x[0-9A-Fa-f]+|\d+)\b")
_WORD = re.compile(r"[A-Za-z0-9][\w.-]*")
_NOT_A_CHOICE = "zz-not-a-choice"


def _accepts(check: Callable[[Any], bool], value: Any) -> bool:
    try:
        return bool(check(value))
    except (TypeError, ValueError, AttributeError):
        return False


def _numeric(key: Key) -> dict[str, Any]:
    """Bounds of a number key, read from its words ("0..10") or its check, and confirmed by the check."""
    found = _RANGE.search(key.accepted)
    if found:
        low, high = int(found[1], 0), int(found[2], 0)
        ok = [_accepts(key.check, v) for v in (low - 1, low, high, high + 1)]
        if ok == [False, True, True, False]:
            return {"minimum": low, "maximum": high}
    if _accepts(key.check, 1) and not _accepts(key.check, 0):
        return {"exclusiveMinimum": 0}
    if _accepts(key.check, 0) and not _accepts(key.check, -1):
        return {"minimum": 0}
    return {}


def _string(key: Key) -> dict[str, Any]:
    """An enum when the check takes only some of the words it names; identifiers by pattern."""
    if key.check is is_identifier:
        return {"pattern": IDENTIFIER_PATTERN}
    if _accepts(key.check, _NOT_A_CHOICE):
        return {}
    choices = [w for w in dict.fromkeys(_WORD.findall(key.accepted)) if _accepts(key.check, w)]
    return {"enum": choices} if choices else {}


def key_schema(key: Key) -> dict[str, Any]:
    names = list(dict.fromkeys(_TYPES[t] for t in key.types))
    if "integer" in names and "number" in names:
        names.remove("integer")
    out: dict[str, Any] = {"type": names[0] if len(names) == 1 else names, "description": key.accepted}
    if names == ["string"]:
        out.update(_string(key))
    elif set(names) <= {"integer", "number"}:
        out.update(_numeric(key))
    elif names == ["array"] and _accepts(key.check, ["a.b"]) and not _accepts(key.check, ["a/b"]):
        out["items"] = {"type": "string", "pattern": IDENTIFIER_PATTERN}
    return out


def table(keys: dict[str, Key], closed: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": {k: key_schema(v) for k, v in keys.items()}}
    required = [k for k, v in keys.items() if v.required]
    if required:
        out["required"] = required
    if closed:
        out["additionalProperties"] = False
    return out


def builtin_backends() -> dict[str, Any]:
    """name → class of the backends tinyfarm ships (entry-point plugins are not in the schema)."""
    from harness.registry import BACKENDS

    classes = {name: BACKENDS.get(name) for name in BACKENDS.names()}
    return {name: cls for name, cls in classes.items() if cls.__module__.startswith("harness.")}


def _backend_rule(name: str, cls: Any) -> dict[str, Any]:
    """If backend = name: its own keys too, and no others."""
    keys: dict[str, Key] = cls.config_keys
    then: dict[str, Any] = {
        "properties": {k: key_schema(v) for k, v in keys.items()},
        "propertyNames": {"enum": [*BOARD_KEYS, *keys]},
    }
    needed = []
    for key, spec in keys.items():
        if not spec.required:
            continue
        from_profile = any(key in p.board_defaults(name, cls.emulated) for p in PROFILES.values())
        alternatives = [key, "profile", "equivalent_of"] if from_profile else [key]
        needed.append({"anyOf": [{"required": [k]} for k in alternatives]})
    if needed:
        then["allOf"] = needed
    return {"if": {"properties": {"backend": {"const": name}}, "required": ["backend"]}, "then": then}


def board_schema() -> dict[str, Any]:
    backends = builtin_backends()
    board = table({k: v for k, v in BOARD_KEYS.items() if k != "serial"}, closed=False)
    board["properties"]["serial"] = {**table(SERIAL_KEYS), "description": BOARD_KEYS["serial"].accepted}
    board["properties"]["backend"]["examples"] = list(backends)
    # Each built-in backend closes the table to the common keys and its own; a
    # backend from a plugin is left open (its keys are its own business).
    board["allOf"] = [_backend_rule(name, cls) for name, cls in backends.items()]
    return board


def budget_limits() -> dict[str, Any]:
    limits = {}
    for name, rule in RULES.items():
        passes = ">=" if rule.kind == "min" else "<="
        limit: dict[str, Any] = {"type": "number", "minimum": 0}
        if rule.fraction:
            limit["maximum"] = 1
        limit["description"] = f"passes when {rule.metric} {passes} limit, in {rule.unit} ({rule.check})"
        limits[name] = limit
    return limits


def build() -> dict[str, Any]:
    limits = budget_limits()
    narrowed = {"type": "object", "properties": limits, "additionalProperties": False}
    budget = {
        "type": "object",
        "description": 'limits for every board; a table under a glob ("nano*") narrows them',
        "properties": limits,
        "additionalProperties": {**narrowed, "description": "limits for boards whose name matches the glob"},
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "tinyfarm farm.toml",
        "description": "Boards, models and budgets of a tinyfarm farm (docs/farm-toml.md).",
        "type": "object",
        "required": ["boards", "models"],
        "additionalProperties": False,
        "properties": {
            "farm": table(FARM_KEYS),
            "boards": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/board"}},
            "models": {"type": "array", "minItems": 1, "items": table(MODEL_KEYS)},
            "budgets": {"type": "object", "additionalProperties": budget},
        },
        "definitions": {"board": board_schema()},
    }


def text() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--path"]:
        print(SHIPPED)
    elif sys.argv[1:]:
        sys.exit("usage: python -m harness.config.schema [--path]")
    else:
        sys.stdout.write(text())
