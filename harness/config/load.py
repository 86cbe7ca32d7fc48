"""Load and validate farm.toml: every error names the file, the key path and what is accepted."""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path
from typing import Any

from harness.config import calibration as cal
from harness.config.board_firmware import check_firmware, parse_image
from harness.config.budget_rules import RULES
from harness.config.eembc import check_eembc
from harness.config.keys import (  # noqa: F401 - re-exported: backends import Key from here
    BOARD_KEYS,
    FARM_KEYS,
    IDENTIFIER_RULE,
    MODEL_KEYS,
    NOT_FIELDS,
    PROTOCOLS,
    SERIAL_KEYS,
    STATE_ENV,
    TASKS,
    Key,
    is_identifier,
    positive_int,
)
from harness.config.model import BoardConfig, BudgetSet, FarmConfig, ModelConfig, SerialMatch
from harness.config.profiles import PROFILES
from harness.errors import ConfigError


class _Loader:
    def __init__(self, path: Path):
        self.path = path
        self.root = path.parent

    def fail(self, key: str, problem: str, accepted: str | None = None) -> ConfigError:
        return ConfigError(self.path, key, problem, accepted)

    def table(self, data: Any, where: str, keys: dict[str, Key]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, f"expected a table, got {type(data).__name__}")
        for key, value in data.items():
            spec = keys.get(key)
            if spec is None:
                raise self.fail(f"{where}.{key}", "unknown key", ", ".join(sorted(keys)))
            if isinstance(value, bool) and bool not in spec.types:
                raise self.fail(f"{where}.{key}", f"wrong value {value!r}", spec.accepted)
            if not isinstance(value, spec.types) or not spec.check(value):
                raise self.fail(f"{where}.{key}", f"wrong value {value!r}", spec.accepted)
        for key, spec in keys.items():
            if spec.required and key not in data:
                raise self.fail(f"{where}.{key}", "missing", spec.accepted)
        return data

    def file(self, value: str, key: str) -> Path:
        path = (self.root / value).resolve()
        if not path.is_file():
            raise self.fail(key, f"file not found: {value}", "a path relative to the farm file")
        return path

    def board(self, data: Any, where: str) -> BoardConfig:
        from harness.registry import BACKENDS

        backend = data.get("backend") if isinstance(data, dict) else None
        try:
            extra = BACKENDS.get(backend).config_keys if isinstance(backend, str) else {}
        except KeyError:
            raise self.fail(
                f"{where}.backend", f"unknown backend {backend!r}", ", ".join(BACKENDS.names())
            ) from None
        fields = self.table(data, where, {**BOARD_KEYS, **extra})
        serial = None
        if "serial" in fields:
            serial = SerialMatch(**self.table(fields["serial"], f"{where}.serial", SERIAL_KEYS))
        common = {k: v for k, v in fields.items() if k in BOARD_KEYS and k not in NOT_FIELDS}
        common["tags"] = tuple(common.get("tags", ()))
        options = {k: v for k, v in fields.items() if k in extra}
        cls = BACKENDS.get(str(backend))
        image = parse_image(fields, where, self.root, self.fail, getattr(cls, "bin_default_addr", False))
        board = BoardConfig(serial=serial, options=options, image=image, **common)
        check_firmware(board, where, cls, self.fail)
        return board

    def model(self, data: Any, where: str) -> ModelConfig:
        fields = dict(self.table(data, where, MODEL_KEYS))
        fields["path"] = self.file(fields["path"], f"{where}.path") if "path" in fields else None
        fields["build"] = tuple(fields.get("build", ()))
        for key in ("dataset", "baseline"):
            if key in fields:
                fields[key] = self.file(fields[key], f"{where}.{key}")
        return ModelConfig(**fields)

    def limits(self, data: Any, where: str) -> dict[str, float]:
        limits: dict[str, float] = {}
        for key, value in data.items():
            rule = RULES.get(key)
            if rule is None:
                raise self.fail(f"{where}.{key}", "unknown budget", ", ".join(RULES))
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(f"{where}.{key}", f"wrong value {value!r}", "a number")
            if value < 0 or (rule.fraction and value > 1):
                accepted = "a number from 0 to 1" if rule.fraction else "a number >= 0"
                raise self.fail(f"{where}.{key}", f"impossible budget {value!r}", accepted)
            limits[key] = float(value)
        return limits

    def budget(self, data: Any, where: str) -> BudgetSet:
        if not isinstance(data, dict):
            raise self.fail(where, "expected a table of budgets")
        plain = {k: v for k, v in data.items() if not isinstance(v, dict)}
        narrowed = tuple(
            (glob, self.limits(sub, f'{where}."{glob}"'))
            for glob, sub in data.items()
            if isinstance(sub, dict)
        )
        return BudgetSet(self.limits(plain, where), narrowed)


def _unique(loader: _Loader, items: list[Any], kind: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.name in seen:
            raise loader.fail(f"{kind}[{index}].name", f"duplicate name {item.name!r}", "unique names")
        seen.add(item.name)


def _inherit(loader: _Loader, boards: list[BoardConfig]) -> list[BoardConfig]:
    """A board with equivalent_of takes clock and memory limits from that board."""
    from dataclasses import replace

    by_name = {b.name: b for b in boards}
    out = []
    for index, board in enumerate(boards):
        if board.equivalent_of:
            twin = by_name.get(board.equivalent_of)
            if twin is None or twin is board:
                raise loader.fail(
                    f"boards[{index}].equivalent_of",
                    f"no other board named {board.equivalent_of!r}",
                    ", ".join(n for n in by_name if n != board.name),
                )
            inherited = {
                k: getattr(twin, k)
                for k in ("clock_hz", "flash_bytes", "ram_bytes")
                if getattr(board, k) is None
            }
            board = replace(board, **inherited)
        out.append(board)
    return out


def _profile_of(data: dict[str, Any], by_name: dict[Any, Any]) -> tuple[Any, str | None]:
    """A board's profile: its own, else the first one along its equivalent_of chain (and through whom)."""
    if "profile" in data:
        return data["profile"], None
    seen: set[str] = set()
    ref = data.get("equivalent_of")
    while isinstance(ref, str) and isinstance(by_name.get(ref), dict) and ref not in seen:
        seen.add(ref)
        other = by_name[ref]
        if "profile" in other:
            return other["profile"], ref
        ref = other.get("equivalent_of")
    return None, None


def _apply_profiles(loader: _Loader, raw: list[Any]) -> list[Any]:
    """Fill each board's unset keys from its profile, before validation (explicit keys win).

    A board reached through equivalent_of takes clock and memory limits from
    that board (which has its own, or its profile's), the emulator keys from
    the profile.
    """
    from harness.registry import BACKENDS

    by_name = {b.get("name"): b for b in raw if isinstance(b, dict)}
    out: list[Any] = []
    for index, data in enumerate(raw):
        name, via = _profile_of(data, by_name) if isinstance(data, dict) else (None, None)
        backend = data.get("backend") if isinstance(data, dict) else None
        if name is None or not isinstance(backend, str) or backend not in BACKENDS.names():
            out.append(data)  # nothing to inherit, or board() reports what is wrong
            continue
        assert isinstance(data, dict)
        if not isinstance(name, str) or name not in PROFILES:
            where = f"boards[{index}].profile" if via is None else f"boards[{index}].equivalent_of"
            raise loader.fail(where, f"unknown profile {name!r}", ", ".join(PROFILES))
        profile = PROFILES[name]
        cls = BACKENDS.get(backend)
        defaults = profile.board_defaults(backend, cls.emulated)
        if via is not None:
            for key in ("clock_hz", "flash_bytes", "ram_bytes"):
                defaults.pop(key)
        accepted = {**BOARD_KEYS, **cls.config_keys}
        merged = {k: v for k, v in defaults.items() if k in accepted}
        merged.update(data)
        merged["profile"] = name
        for key, spec in cls.config_keys.items():
            if spec.required and key not in merged:
                others = [p.name for p in PROFILES.values() if p.emulator(backend)]
                raise loader.fail(
                    f"boards[{index}].{key}",
                    f"missing, and profile {name!r} has no {backend} equivalent",
                    f"{spec.accepted}; profiles with a {backend} equivalent: {', '.join(others) or 'none'}",
                )
        out.append(merged)
    return out


def _calibrate(
    loader: _Loader, boards: list[BoardConfig], farm: dict[str, Any]
) -> tuple[list[BoardConfig], Path | None]:
    """Attach each board's calibration entry; a board judged on predicted latency must have one."""
    from dataclasses import replace

    from harness.registry import BACKENDS

    if "calibration" in farm:
        named = (loader.root / farm["calibration"]).resolve()
        if not named.is_file():
            problem = f"file not found: {farm['calibration']}"
            raise loader.fail("farm.calibration", problem, "a path relative to the farm file")
        file: Path | None = named
    else:
        default = loader.root / cal.DEFAULT_FILE
        file = default.resolve() if default.is_file() else None
    entries = cal.load_file(file) if file else []
    out = []
    for index, board in enumerate(boards):
        machine = board.options.get("machine") or board.options.get("platform")
        entry = cal.resolve(entries, board.name, board.profile, board.backend, machine)
        emulated = BACKENDS.get(board.backend).emulated
        if board.latency_basis == "predicted" and emulated and entry is None:
            raise loader.fail(
                f"boards[{index}].latency_basis",
                f"'predicted' needs a calibration entry for this twin (profile {board.profile!r}, "
                f"{board.backend}), and {file.name if file else 'no calibration file'} has none",
                "'estimate', or a [[calibration]] entry naming the profile or the board",
            )
        out.append(replace(board, calibration=entry) if entry else board)
    return out, file


def load(path: str | Path) -> FarmConfig:
    path = Path(path)
    loader = _Loader(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    allowed = {"farm", "boards", "models", "budgets"}
    for key in data:
        if key not in allowed:
            raise loader.fail(key, "unknown key", ", ".join(sorted(allowed)))
    farm = loader.table(data.get("farm", {}), "farm", FARM_KEYS)
    for key in ("boards", "models"):
        if not isinstance(data.get(key), list) or not data[key]:
            raise loader.fail(key, "missing or empty", f"one or more [[{key}]] tables")
    raw_boards = _apply_profiles(loader, data["boards"])
    boards = [loader.board(b, f"boards[{i}]") for i, b in enumerate(raw_boards)]
    models = [loader.model(m, f"models[{i}]") for i, m in enumerate(data["models"])]
    _unique(loader, boards, "boards")
    _unique(loader, models, "models")
    check_eembc(loader.fail, boards, models)
    budgets_raw = data.get("budgets", {})
    if not isinstance(budgets_raw, dict):
        raise loader.fail("budgets", "expected a table", "[budgets.<model>] tables")
    model_names = {m.name for m in models}
    budgets = {}
    for name, table in budgets_raw.items():
        if name not in model_names:
            raise loader.fail(f"budgets.{name}", "no model of that name", ", ".join(sorted(model_names)))
        budgets[name] = loader.budget(table, f"budgets.{name}")
    resolved, calibration_file = _calibrate(loader, _inherit(loader, boards), farm)
    return FarmConfig(
        path=path.resolve(),
        name=farm.get("name", path.stem),
        reports=(loader.root / farm.get("reports", "reports")).resolve(),
        state=state_dir(loader.root, farm.get("state")),
        boards=tuple(resolved),
        models=tuple(models),
        budgets=budgets,
        source_sha256=hashlib.sha256(raw).hexdigest(),
        calibration_file=calibration_file,
    )


def state_dir(root: Path, configured: str | None) -> Path:
    """Leases, logs, journals and work files: $TINYFARM_STATE_DIR, else [farm] state, else
    .tinyfarm beside farm.toml. Never inside reports/, which holds reports only."""
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override).resolve()
    return (root / (configured or ".tinyfarm")).resolve()


def reports_dir(path: Path) -> Path:
    """Where a farm file's reports go, read leniently (for removing a stale manifest
    before the file is validated): [farm] reports, else reports/ beside it."""
    try:
        farm = tomllib.loads(path.read_text(encoding="utf-8")).get("farm", {})
        configured = farm.get("reports") if isinstance(farm, dict) else None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        configured = None
    return (path.parent / (configured if isinstance(configured, str) else "reports")).resolve()
