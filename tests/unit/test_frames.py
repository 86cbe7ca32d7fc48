"""Frame encoding: COBS, CRC, and the streaming decoder's resynchronisation."""

import zlib

from hypothesis import given
from hypothesis import strategies as st

from harness.link.frames import Frame, FrameDecoder, cobs_decode, cobs_encode, encode_frame


@given(st.binary(max_size=2000))
def test_cobs_round_trip_and_no_zero(data: bytes) -> None:
    encoded = cobs_encode(data)
    assert 0 not in encoded
    assert cobs_decode(encoded) == data
    assert len(encoded) <= len(data) + len(data) // 254 + 1


def test_cobs_known_vectors() -> None:
    # Vectors from the COBS paper (Cheshire and Baker) and its common test set.
    assert cobs_encode(b"\x00") == b"\x01\x01"
    assert cobs_encode(b"\x00\x00") == b"\x01\x01\x01"
    assert cobs_encode(b"\x11\x22\x00\x33") == b"\x03\x11\x22\x02\x33"
    assert cobs_encode(b"\x11\x00\x00\x00") == b"\x02\x11\x01\x01\x01"
    assert cobs_encode(bytes(range(1, 255))) == b"\xff" + bytes(range(1, 255)) + b"\x01"


@given(st.integers(0, 255), st.integers(0, 0xFFFF), st.binary(max_size=3000))
def test_frame_round_trip(ftype: int, seq: int, payload: bytes) -> None:
    wire = encode_frame(Frame(ftype, seq, payload))
    assert wire.endswith(b"\x00") and wire.count(0) == 1
    assert FrameDecoder().feed(wire) == [Frame(ftype, seq, payload)]


def test_frame_layout_is_the_documented_one() -> None:
    wire = encode_frame(Frame(0x0B, 0x1234, b"ab"))
    body = cobs_decode(wire[:-1])
    assert body[:6] == bytes([0x0B, 0, 0x34, 0x12, 2, 0])
    assert body[6:8] == b"ab"
    assert int.from_bytes(body[8:], "little") == zlib.crc32(body[:8])


@given(st.binary(max_size=500), st.lists(st.binary(max_size=300), max_size=5))
def test_decoder_recovers_after_garbage(garbage: bytes, payloads: list[bytes]) -> None:
    decoder = FrameDecoder()
    frames = [Frame(0x81, i + 1, p) for i, p in enumerate(payloads)]
    # Garbage followed by a delimiter costs at most one frame.
    decoder.feed(garbage + b"\x00")
    got = []
    for frame in frames:
        wire = encode_frame(frame)
        for cut in range(0, len(wire), 7):  # arrives in pieces
            got += decoder.feed(wire[cut : cut + 7])
    assert got == frames


def test_corrupted_frame_is_dropped_and_counted() -> None:
    decoder = FrameDecoder()
    wire = bytearray(encode_frame(Frame(0x81, 7, b"hello world")))
    wire[5] ^= 0x40
    good = encode_frame(Frame(0x81, 8, b"ok"))
    assert decoder.feed(bytes(wire) + good) == [Frame(0x81, 8, b"ok")]
    assert decoder.bad_frames == 1


def test_length_field_must_match() -> None:
    body = bytes([0x81, 0, 1, 0, 5, 0]) + b"abc"
    raw = cobs_encode(body + zlib.crc32(body).to_bytes(4, "little")) + b"\x00"
    decoder = FrameDecoder()
    assert decoder.feed(raw) == []
    assert decoder.bad_frames == 1
