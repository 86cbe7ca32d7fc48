"""Request builders and response parsers for protocol v1 (docs/protocol.md)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

PROTOCOL_VERSION = 1
RESPONSE_BIT = 0x80


class Msg(IntEnum):
    HELLO = 0x01
    LOAD_BEGIN = 0x02
    LOAD_CHUNK = 0x03
    LOAD_END = 0x04
    SLOT_VERIFY = 0x05
    INPUT = 0x06
    INFER = 0x07
    OUTPUT = 0x08
    STATS = 0x09
    RESET = 0x0A
    ECHO = 0x0B
    LOG = 0xFE
    ERROR = 0xFF


class Capability(IntEnum):
    LOAD_MODEL = 1 << 0
    SLOT_VERIFY = 1 << 1
    PROFILE = 1 << 2
    RESET = 1 << 3
    STACK_HWM = 1 << 4
    STATE = 1 << 5  # INFER's RESET_STATE flag is honoured


# TFLite TensorType codes the agent reports.
TENSOR_TYPES = {0: "float32", 2: "int32", 3: "uint8", 7: "int16", 9: "int8"}
NUMPY_DTYPES = {0: "<f4", 2: "<i4", 3: "u1", 7: "<i2", 9: "i1"}


def response_type(request: Msg) -> int:
    return int(request) | RESPONSE_BIT


class _Reader:
    """Sequential little-endian reader that fails with ValueError, never IndexError."""

    def __init__(self, data: bytes):
        self._data = data
        self._pos = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        spec = struct.Struct("<" + fmt)
        if self._pos + spec.size > len(self._data):
            raise ValueError(f"payload too short: need {self._pos + spec.size} bytes, got {len(self._data)}")
        values = spec.unpack_from(self._data, self._pos)
        self._pos += spec.size
        return values

    def integer(self, fmt: str) -> int:
        return int(self.take(fmt)[0])

    def raw(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            raise ValueError(f"payload too short: need {self._pos + n} bytes, got {len(self._data)}")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def string(self) -> str:
        return self.raw(self.integer("B")).decode("utf-8", "replace")

    def rest(self) -> bytes:
        return self.raw(len(self._data) - self._pos)


@dataclass(frozen=True)
class Hello:
    proto_version: int
    max_payload: int
    rx_window: int
    capabilities: int
    run_id: int
    clock_hz: int
    counter_hz: int
    model_slot_addr: int
    model_slot_size: int
    arena_size: int
    build_id: bytes
    model_sha256: bytes
    model_len: int
    board: str
    port: str

    def has(self, capability: Capability) -> bool:
        return bool(self.capabilities & capability)


def parse_hello(payload: bytes) -> Hello:
    r = _Reader(payload)
    version, max_payload, window, _reserved = r.take("HHBB")
    caps, run_id, clock, counter, slot_addr, slot_size, arena = r.take("IIIIIII")
    build_id = r.raw(20)
    model_sha = r.raw(32)
    model_len = r.integer("I")
    return Hello(
        int(version),
        int(max_payload),
        int(window),
        int(caps),
        int(run_id),
        int(clock),
        int(counter),
        int(slot_addr),
        int(slot_size),
        int(arena),
        build_id,
        model_sha,
        model_len,
        r.string(),
        r.string(),
    )


@dataclass(frozen=True)
class TensorDesc:
    type: int
    dims: tuple[int, ...]
    scale: float
    zero_point: int
    bytes: int

    @property
    def dtype(self) -> str:
        return NUMPY_DTYPES.get(self.type, "u1")

    @property
    def type_name(self) -> str:
        return TENSOR_TYPES.get(self.type, f"type {self.type}")


def _tensor(r: _Reader) -> TensorDesc:
    ttype, ndims = r.take("BB")
    dims = tuple(int(v) for v in r.take("i" * int(ndims))) if ndims else ()
    scale, zero_point, nbytes = r.take("fiI")
    return TensorDesc(int(ttype), dims, float(scale), int(zero_point), int(nbytes))


@dataclass(frozen=True)
class ModelInfo:
    arena_used: int
    arena_size: int
    n_ops: int
    input: TensorDesc
    output: TensorDesc


def parse_model_info(payload: bytes) -> ModelInfo:
    r = _Reader(payload)
    arena_used, arena_size, n_ops = r.take("IIH")
    return ModelInfo(int(arena_used), int(arena_size), int(n_ops), _tensor(r), _tensor(r))


@dataclass(frozen=True)
class OpProfile:
    builtin_op: int
    op_index: int
    ticks: int


@dataclass(frozen=True)
class InferResult:
    status: int
    ticks: int
    output_len: int
    profile: tuple[OpProfile, ...]


def parse_infer_result(payload: bytes) -> InferResult:
    r = _Reader(payload)
    status, ticks, output_len, n_profile = r.take("HQIH")
    ops = []
    for _ in range(int(n_profile)):
        op, _reserved, index, op_ticks = r.take("BBHI")
        ops.append(OpProfile(int(op), int(index), int(op_ticks)))
    return InferResult(int(status), int(ticks), int(output_len), tuple(ops))


@dataclass(frozen=True)
class Stats:
    arena_used: int
    arena_size: int
    stack_hwm: int
    stack_size: int
    heap_used: int
    rx_overflows: int
    bad_frames: int
    frames_ok: int


def parse_stats(payload: bytes) -> Stats:
    return Stats(*(int(v) for v in _Reader(payload).take("IIIIIIII")))


def parse_error(payload: bytes) -> tuple[int, str]:
    r = _Reader(payload)
    code = r.integer("H")
    try:
        message = r.string()
    except ValueError:
        message = ""
    return code, message


def parse_offset_data(payload: bytes) -> tuple[int, bytes]:
    r = _Reader(payload)
    return r.integer("I"), r.rest()


def offset_data(offset: int, data: bytes) -> bytes:
    return struct.pack("<I", offset) + data


def load_begin(total_len: int, sha256: bytes) -> bytes:
    return struct.pack("<I", total_len) + sha256


def hello(run_id: int) -> bytes:
    return struct.pack("<I", run_id)


INFER_PROFILE = 1 << 0
INFER_RESET_STATE = 1 << 1  # reset a stateful model's variable tensors first


def infer(profile: bool, reset_state: bool = True) -> bytes:
    """INFER's flags byte: by default every inference starts from a reset state
    (independent samples; a retry recomputes the same output)."""
    return bytes([(INFER_PROFILE if profile else 0) | (INFER_RESET_STATE if reset_state else 0)])
