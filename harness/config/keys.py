"""The keys farm.toml accepts: each with its types, its check and the words an
error uses for what would be accepted. load.py validates against these tables;
backends add their own keys (`config_keys`) in the same form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.config import calibration as cal
from harness.config.profiles import PROFILES

TASKS = ("classification", "anomaly", "regression")
# Board and model names become file names, make variables and JUnit class
# names: they are identifiers, never paths or shell words.
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
IDENTIFIER_RULE = (
    "an identifier: letters, digits, '.', '_', '-' (starting with a letter or digit, no '..', at most 64)"
)
STATE_ENV = "TINYFARM_STATE_DIR"


def is_identifier(value: object) -> bool:
    return isinstance(value, str) and bool(_IDENTIFIER.fullmatch(value)) and ".." not in value


PROTOCOLS = ("tinyfarm", "eembc")
KERNELS = ("dsp", "ref")
FPUS = ("none", "fpv4-sp-d16")


@dataclass(frozen=True)
class Key:
    """One accepted key: its type(s), a check, and words for the error message."""

    types: tuple[type, ...]
    accepted: str
    check: Callable[[Any], bool] = lambda value: True
    required: bool = False


def _command(value: list[Any]) -> bool:
    from harness.config.eembc import valid_command

    return valid_command(value)


def positive_int(accepted: str = "an integer > 0") -> Key:
    return Key((int,), accepted, lambda v: v > 0)


BOARD_KEYS: dict[str, Key] = {
    "name": Key((str,), IDENTIFIER_RULE, is_identifier, required=True),
    "backend": Key((str,), "a backend name", bool, required=True),
    "target": Key((str,), "a firmware port name"),
    "probe": Key((str,), "the debug probe's unique id"),
    "serial": Key((dict,), "a table with vid, pid, serial_number, location"),
    "url": Key((str,), "a pyserial URL: a device path, socket://, rfc2217://"),
    "baud": positive_int(),
    "clock_hz": positive_int(),
    "flash_bytes": positive_int(),
    "ram_bytes": positive_int(),
    "tags": Key((list,), "a list of identifiers", lambda v: all(is_identifier(t) for t in v)),
    "equivalent_of": Key((str,), "the name of another board", is_identifier),
    "profile": Key((str,), "a board profile: " + ", ".join(PROFILES), lambda v: v in PROFILES),
    "latency_basis": Key((str,), " | ".join(cal.BASES), lambda v: v in cal.BASES),
    "required": Key((bool,), "true or false"),
    "timeout_factor": Key((int, float), "a number > 0", lambda v: v > 0),
    "labgrid_place": Key((str,), "the name of a labgrid place (docs/many-boards.md)", bool),
    "image": Key((str, dict), 'prebuilt firmware: a .elf, .hex or .bin, or { "0x1000" = "boot.bin", ... }'),
    "image_addr": Key((int,), "the flash address of a .bin image", lambda v: v >= 0),
    "app_start": Key((int,), "the agent's link address (the end of a bootloader)", lambda v: v >= 0),
    "uart_tx_pin": Key((int,), "the agent's UART TX pin (the port's numbering)", lambda v: v >= 0),
    "uart_rx_pin": Key((int,), "the agent's UART RX pin (the port's numbering)", lambda v: v >= 0),
    "bootloader": Key((bool,), "true: a bootloader below app_start, never written"),
    "protocol": Key((str,), " | ".join(PROTOCOLS), lambda v: v in PROTOCOLS),
    "kernels": Key(
        (str,), "dsp (Armv7E-M, the default on Cortex-M4 ports) | ref (portable C)", lambda v: v in KERNELS
    ),
    "fpu": Key(
        (str,),
        "none (soft float) | fpv4-sp-d16 (Cortex-M4F; the default for a cortex-m4f profile)",
        lambda v: v in FPUS,
    ),
    "eembc_infer_n": positive_int(),
    "eembc_warmup": Key((int,), "an integer >= 0", lambda v: v >= 0),
    "eembc_windows": positive_int(),
}
NOT_FIELDS = ("serial", "image", "image_addr")
SERIAL_KEYS: dict[str, Key] = {
    "vid": Key((int,), "an integer 0..0xFFFF", lambda v: 0 <= v <= 0xFFFF),
    "pid": Key((int,), "an integer 0..0xFFFF", lambda v: 0 <= v <= 0xFFFF),
    "serial_number": Key((str,), "a string"),
    "location": Key((str,), "a USB location such as 1-1.4"),
}
STATE_MODES = ("reset", "carry")
MODEL_KEYS: dict[str, Key] = {
    "name": Key((str,), IDENTIFIER_RULE, is_identifier, required=True),
    "path": Key((str,), "a path to a .tflite file (optional when every board speaks eembc)", bool),
    "dataset": Key((str,), "a path to an .npz with x (and y)"),
    "task": Key((str,), " | ".join(TASKS), lambda v: v in TASKS),
    "baseline": Key((str,), "a path to the production .tflite"),
    "samples": positive_int(),
    "smoke_samples": positive_int(),
    "output": Key((int,), "the index of the output accuracy judges (default 0)", lambda v: v >= 0),
    "agreement_atol": Key(
        (int, float),
        "a number >= 0: float outputs within it of the reference agree (default 0: equal values)",
        lambda v: not isinstance(v, bool) and v >= 0,
    ),
    "firmware": Key((str,), "the firmware image for EEMBC boards (may hold {model}, {board})", bool),
    "build": Key((list,), "a command as a list of strings (may hold {model}, {board})", _command),
    "state": Key(
        (str,),
        "reset | carry: a stateful model (LSTM, SVDF) starts every sample from a reset state "
        "(default), or carries it across the samples in order (one sequence)",
        lambda v: v in STATE_MODES,
    ),
}
FARM_KEYS: dict[str, Key] = {
    "name": Key((str,), "a string"),
    "reports": Key((str,), "a folder path"),
    "state": Key((str,), "a folder for leases, logs and work files (default .tinyfarm beside farm.toml)"),
    "calibration": Key((str,), "a calibration file (default calibration.toml beside farm.toml, if present)"),
}
