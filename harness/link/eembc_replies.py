"""The MLPerf Tiny (EEMBC) device API's replies, parsed (pure: no I/O).

A device answers each command (`name%`, `db load N%`, `infer N W%`, ...)
with lines such as `m-name-dut-[...]`, `m-lap-us-123`, `m-results-[0.000,
0.992]` or `e-[...]`, and ends every answer with `m-ready`. Lines end in
CR LF; a NUL or a lone CR is ignored as the reference runner does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.errors import INFRASTRUCTURE, MODEL

TERMINATOR = "%"
# Bytes per `db` command, as the MLPerf Tiny runner sends them (26 behind
# its energy monitor): "db " + 62 hex digits stays under the 80-character
# command buffer.
DB_CHUNK = 31
MAX_COMMAND = 80


@dataclass(frozen=True)
class Reply:
    """One line from the device: its kind, the value it carries, and the text."""

    kind: str
    text: str
    value: object = None


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ready", re.compile(r"^m-ready$")),
    ("init_done", re.compile(r"^m-init-done$")),
    ("timestamp_mode", re.compile(r"^m-timestamp-mode-(\w+)$")),
    ("lap_us", re.compile(r"^m-lap-us-(\d+)$")),
    ("results", re.compile(r"^m-results-\[([^\]]*)\]$")),
    ("name", re.compile(r"^m-name-(?:[\w.-]+-)?\[([^\]]*)\]$")),  # m-name-dut-[vendor]
    ("profile", re.compile(r"^m-profile-\[([^\]]*)\]$")),
    ("model", re.compile(r"^m-model-\[([^\]]*)\]$")),
    ("expecting", re.compile(r"^m-\[Expecting (\d+) bytes\]$")),
    ("load_done", re.compile(r"^m-load-done$")),
    ("warmup_start", re.compile(r"^m-warmup-start-(\d+)$")),
    ("warmup_done", re.compile(r"^m-warmup-done$")),
    ("infer_start", re.compile(r"^m-infer-start-(\d+)$")),
    ("infer_done", re.compile(r"^m-infer-done$")),
    ("error", re.compile(r"^e-\[(.*)\]$")),
)
_INT_KINDS = {"lap_us", "expecting", "warmup_start", "infer_start"}


class Garbage(ValueError):
    """Bytes on the line that no device API reply contains."""


def parse_line(line: str) -> Reply:
    """One line (without its CR LF) as a Reply; `other` for a device's free text.

    Raises Garbage for a line with control or non-ASCII characters, or a
    `m-results-[...]` whose values are not numbers.
    """
    if any(not (" " <= ch <= "~") for ch in line):
        raise Garbage(f"unprintable bytes in {line[:60]!r}")
    for kind, pattern in _PATTERNS:
        match = pattern.match(line)
        if match is None:
            continue
        group = match.group(1) if pattern.groups else None
        if kind in _INT_KINDS:
            return Reply(kind, line, int(group or 0))
        if kind == "results":
            return Reply(kind, line, parse_results(group or ""))
        return Reply(kind, line, group)
    return Reply("other", line)


def parse_results(body: str) -> tuple[float, ...]:
    """The values of `m-results-[a,b,c]`: floats, as the runner reads them."""
    try:
        return tuple(float(v) for v in body.split(",") if v.strip())
    except ValueError:
        raise Garbage(f"results that are not numbers: [{body[:60]}]") from None


def results_decimals(text: str) -> int:
    """Decimals the device printed in an m-results line (the reference API prints 3)."""
    match = re.search(r"\[([^\]]*)\]", text)
    values = match.group(1).split(",") if match else []
    return max((len(v.strip().partition(".")[2]) for v in values if v.strip()), default=0)


class LineSplitter:
    """Bytes in, complete lines out (CR, NUL dropped; LF ends a line)."""

    def __init__(self) -> None:
        self._partial = bytearray()

    def feed(self, data: bytes) -> list[str]:
        lines = []
        for byte in data:
            if byte == 0x0A:
                lines.append(self._partial.decode("latin-1"))
                self._partial.clear()
            elif byte not in (0x0D, 0x00):
                self._partial.append(byte)
        return lines

    def reset(self) -> None:
        self._partial.clear()


# Words in a device's e-[...] text that say the model (or its input) is the
# problem, not the link: retrying cannot help.
_MODEL_WORDS = re.compile(
    r"model|arena|unsupported|tensor|input (?:has|of|db)|expects|infer(?:ence)? fail|memory",
    re.IGNORECASE,
)


def error_class(text: str) -> str:
    """MODEL for a device error about the model or its input, else INFRASTRUCTURE
    (an unknown or garbled command, a bad hex digit: the link's fault)."""
    return MODEL if _MODEL_WORDS.search(text) else INFRASTRUCTURE


def db_commands(data: bytes, chunk: int = DB_CHUNK) -> list[str]:
    """`db load N` then `db HEX` commands carrying data, as the runner sends them."""
    if not data:
        raise ValueError("an input of 0 bytes cannot be loaded (db load must be > 0)")
    commands = [f"db load {len(data)}"]
    commands += [f"db {data[i : i + chunk].hex()}" for i in range(0, len(data), chunk)]
    return commands


def infer_command(iterations: int, warmups: int) -> str:
    """`infer N W` (the warmups always given: the API's default is 10)."""
    if iterations < 1 or warmups < 0:
        raise ValueError(f"infer needs N >= 1 and W >= 0, got {iterations} {warmups}")
    return f"infer {iterations} {warmups}"


def elapsed_us(replies: list[Reply]) -> int | None:
    """The runner's timing: the first two m-lap-us after m-infer-start, end minus start."""
    laps: list[int] = []
    started = not any(r.kind == "infer_start" for r in replies)
    for reply in replies:
        if reply.kind == "infer_start":
            started = True
        elif reply.kind == "lap_us" and started and isinstance(reply.value, int):
            laps.append(reply.value)
    if len(laps) < 2:
        return None
    # a 32-bit microsecond counter (unsigned long on the device) may wrap once
    return (laps[1] - laps[0]) % (1 << 32) if laps[1] < laps[0] else laps[1] - laps[0]
