"""Seed inputs for fuzz_agent: request sequences in its structured format.

Each seed is byte 0 = 0 (structured mode), then records {u8 type, u16 len,
payload}: HELLO, ECHO, STATS, and a whole LOAD_BEGIN/CHUNK/END + INPUT +
INFER sequence for every model given on the command line.

    python make_seeds.py OUT_DIR MODEL.tflite...
"""

from __future__ import annotations

import hashlib
import struct
import sys
from pathlib import Path

HELLO, LOAD_BEGIN, LOAD_CHUNK, LOAD_END, INPUT, INFER, STATS, ECHO = 1, 2, 3, 4, 6, 7, 9, 11


def record(kind: int, payload: bytes = b"") -> bytes:
    return struct.pack("<BH", kind, len(payload)) + payload


def load_and_infer(model: bytes) -> bytes:
    out = record(HELLO, b"\x01\x00\x00\x00")
    out += record(LOAD_BEGIN, struct.pack("<I", len(model)) + hashlib.sha256(model).digest())
    for offset in range(0, len(model), 2000):
        out += record(LOAD_CHUNK, struct.pack("<I", offset) + model[offset : offset + 2000])
    out += record(LOAD_END)
    out += record(INPUT, struct.pack("<I", 0) + bytes(range(64)))
    return out + record(INFER, b"\x01") + record(STATS)


def main() -> None:
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "basic").write_bytes(b"\x00" + record(HELLO, b"\x07\x00\x00\x00") + record(ECHO, b"hi") + record(STATS))
    for path in map(Path, sys.argv[2:]):
        (out_dir / path.stem).write_bytes(b"\x00" + load_and_infer(path.read_bytes()))


if __name__ == "__main__":
    main()
