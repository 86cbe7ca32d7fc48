"""Frame encoding: header, CRC-32 and COBS with a 0x00 delimiter.

Pure functions and a streaming decoder; the link and session do the I/O.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

HEADER = struct.Struct("<BBHH")  # type, flags, seq, len
CRC = struct.Struct("<I")
DELIMITER = b"\x00"
# Bytes a frame adds around its payload: header, CRC, delimiter, and the
# first COBS code byte (one more per 254 bytes of payload).
FIXED_OVERHEAD = HEADER.size + CRC.size + 2


@dataclass(frozen=True)
class Frame:
    type: int
    seq: int
    payload: bytes = b""
    flags: int = 0


def cobs_encode(data: bytes) -> bytes:
    """Consistent overhead byte stuffing: the result holds no 0x00."""
    out = bytearray()
    block = bytearray()
    for byte in data:
        if byte == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
            continue
        block.append(byte)
        if len(block) == 254:
            out.append(255)
            out += block
            block.clear()
    out.append(len(block) + 1)
    out += block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Inverse of cobs_encode; ValueError on a malformed block."""
    out = bytearray()
    index = 0
    while index < len(data):
        code = data[index]
        if code == 0:
            raise ValueError("COBS: zero byte inside a frame")
        block = data[index + 1 : index + code]
        if len(block) != code - 1:
            raise ValueError("COBS: truncated block")
        out += block
        index += code
        if code < 255 and index < len(data):
            out.append(0)
    return bytes(out)


def encode_frame(frame: Frame) -> bytes:
    """The bytes on the wire for one frame, delimiter included."""
    body = HEADER.pack(frame.type, frame.flags, frame.seq, len(frame.payload)) + frame.payload
    return cobs_encode(body + CRC.pack(zlib.crc32(body))) + DELIMITER


def decode_body(raw: bytes) -> Frame:
    """Decode one COBS block (delimiter stripped); ValueError when it is not a valid frame."""
    body = cobs_decode(raw)
    if len(body) < HEADER.size + CRC.size:
        raise ValueError(f"frame too short ({len(body)} bytes)")
    ftype, flags, seq, length = HEADER.unpack_from(body)
    if length != len(body) - HEADER.size - CRC.size:
        raise ValueError(f"length field {length} disagrees with frame size {len(body)}")
    (crc,) = CRC.unpack_from(body, len(body) - CRC.size)
    if crc != zlib.crc32(body[: -CRC.size]):
        raise ValueError("CRC mismatch")
    return Frame(ftype, seq, bytes(body[HEADER.size : -CRC.size]), flags)


class FrameDecoder:
    """Feed it bytes as they arrive; it returns whole valid frames.

    Garbage costs only the frame it lands in: everything up to the next 0x00
    is dropped and counted in bad_frames.
    """

    def __init__(self, max_frame: int = 65536):
        self._pending = bytearray()
        self._max_frame = max_frame
        self.bad_frames = 0
        self.frames_ok = 0

    def feed(self, data: bytes) -> list[Frame]:
        frames: list[Frame] = []
        self._pending += data
        while True:
            end = self._pending.find(0)
            if end < 0:
                if len(self._pending) > self._max_frame:
                    self._pending.clear()
                    self.bad_frames += 1
                return frames
            raw = bytes(self._pending[:end])
            del self._pending[: end + 1]
            if not raw:
                continue
            try:
                frames.append(decode_body(raw))
                self.frames_ok += 1
            except ValueError:
                self.bad_frames += 1

    def reset(self) -> None:
        self._pending.clear()
