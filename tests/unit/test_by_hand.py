"""Pure parts of the by-hand and many-board tools: console splitting, bench numbers, labgrid, ser2net."""

from __future__ import annotations

from harness.boards.labgrid import parse_serial_url
from harness.cli.interactive import OutputSplitter
from harness.cli.verb_bench import bench_stats
from harness.link.frames import Frame, encode_frame
from harness.link.messages import Msg
from harness.link.ser2net import config_yaml


def test_splitter_separates_logs_frames_and_plain_text() -> None:
    splitter = OutputSplitter()
    log = encode_frame(Frame(int(Msg.LOG), 0, b"booted"))
    answer = encode_frame(Frame(0x8B, 7, b"hi"))
    events = list(splitter.feed(b"banner\r\n" + log + answer[:3]))
    assert events[0] == ("text", b"banner\r\n")  # text glued to a frame
    assert events[1] == ("log", "booted")
    events = list(splitter.feed(answer[3:] + b"fault at 0x0800\n"))
    assert events[0][0] == "frame" and events[0][1].payload == b"hi"
    assert list(splitter.idle()) == [("text", b"fault at 0x0800\n")]  # no delimiter: text when quiet
    assert list(splitter.idle()) == []


def test_bench_stats() -> None:
    stats = bench_stats(
        [1000.0] * 9 + [3000.0], 1_000_000, [0.0, 0.5, 1.0, 2.0], {"written": 300, "read": 100}
    )
    assert stats["n"] == 10 and stats["device_p50_ms"] == 1.0 and stats["device_max_ms"] == 3.0
    assert stats["host_p50_ms"] == 500.0 and stats["host_max_ms"] == 1000.0
    assert stats["inferences_per_s"] == 1.5 and stats["link_bytes_written"] == 300


def test_labgrid_serial_url_from_client_show() -> None:
    show = """Place 'tf-place':
  matches:
    tfexp/tf-group/*
  acquired: host/user
  acquired resources:
    tfexp/tf-group/NetworkSerialPort/RawSerialPort
Acquired resource 'RawSerialPort' (tfexp/tf-group/NetworkSerialPort/RawSerialPort):
  {'acquired': 'tf-place',
   'avail': True,
   'cls': 'NetworkSerialPort',
   'params': {'extra': {'path': '/dev/pts/5', 'proxy': 'localhost', 'proxy_required': False},
              'host': 'rack-2.lab',
              'port': 34845,
              'speed': 115200}}
"""
    assert parse_serial_url(show) == "rfc2217://rack-2.lab:34845"
    assert parse_serial_url("Place 'x':\n  acquired: None\n") is None


def test_ser2net_yaml() -> None:
    text = config_yaml("/dev/pts/4", 4001, 115200)
    assert "accepter: telnet(rfc2217),tcp,127.0.0.1,4001" in text
    assert "connector: serialdev(nouucplock=true),/dev/pts/4,115200n81,local" in text
    assert "chardelay: false" in text
