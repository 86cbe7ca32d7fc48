"""The MLPerf Tiny reply parser, the command builders and the error classes (pure)."""

from __future__ import annotations

import pytest

from harness.errors import INFRASTRUCTURE, MODEL
from harness.link import eembc_replies as er


def test_results_line_gives_floats_and_decimals() -> None:
    reply = er.parse_line("m-results-[0.000,0.992,0.008]")
    assert reply.kind == "results"
    assert reply.value == (0.0, 0.992, 0.008)
    assert er.results_decimals(reply.text) == 3
    assert er.parse_line("m-results-[-1.50,2]").value == (-1.5, 2.0)


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [
        ("m-lap-us-123456", "lap_us", 123456),
        ("m-timestamp-mode-performance", "timestamp_mode", "performance"),
        ("m-ready", "ready", None),
        ("m-init-done", "init_done", None),
        ("m-name-dut-[unspecified]", "name", "unspecified"),
        ("m-profile-[ULPMark for tinyML Firmware V0.0.1]", "profile", "ULPMark for tinyML Firmware V0.0.1"),
        ("m-model-[kws01]", "model", "kws01"),
        ("m-[Expecting 490 bytes]", "expecting", 490),
        ("m-load-done", "load_done", None),
        ("m-infer-start-20", "infer_start", 20),
        ("e-[Unknown command: foo]", "error", "Unknown command: foo"),
        ("Input db has 3 elemented, expected 490", "other", None),
    ],
)
def test_each_reply_kind(line: str, kind: str, value: object) -> None:
    reply = er.parse_line(line)
    assert (reply.kind, reply.value) == (kind, value)


def test_garbage_is_refused() -> None:
    with pytest.raises(er.Garbage):
        er.parse_line("m-re\xffdy")
    with pytest.raises(er.Garbage):
        er.parse_line("m-results-[0.1,zz]")


def test_lines_split_on_lf_and_drop_cr_and_nul() -> None:
    splitter = er.LineSplitter()
    assert splitter.feed(b"m-rea") == []
    assert splitter.feed(b"dy\r\n\x00m-lap-us-5\r\nm-") == ["m-ready", "m-lap-us-5"]
    assert splitter.feed(b"init-done\n") == ["m-init-done"]


def test_db_commands_as_the_runner_sends_them() -> None:
    data = bytes(range(70))
    commands = er.db_commands(data)
    assert commands[0] == "db load 70"
    assert [len(c) for c in commands[1:]] == [3 + 62, 3 + 62, 3 + 16]
    assert bytes.fromhex("".join(c[3:] for c in commands[1:])) == data
    assert all(len(c) <= er.MAX_COMMAND for c in commands)
    with pytest.raises(ValueError):
        er.db_commands(b"")


def test_infer_command_always_names_the_warmups() -> None:
    assert er.infer_command(20, 5) == "infer 20 5"
    assert er.infer_command(1, 0) == "infer 1 0"
    with pytest.raises(ValueError):
        er.infer_command(0, 0)


def test_elapsed_is_end_minus_start_around_the_timed_inferences() -> None:
    lines = ["m-warmup-start-5", "m-warmup-done", "m-infer-start-20", "m-lap-us-1000", "m-lap-us-31000"]
    assert er.elapsed_us([er.parse_line(t) for t in lines]) == 30000
    wrapped = ["m-infer-start-1", f"m-lap-us-{2**32 - 10}", "m-lap-us-20"]
    assert er.elapsed_us([er.parse_line(t) for t in wrapped]) == 30
    assert er.elapsed_us([er.parse_line("m-lap-us-5")]) is None


def test_device_errors_are_classified() -> None:
    assert er.error_class("Model rejected: CONV_2D: unsupported") == MODEL
    assert er.error_class("Input has 31 bytes, model expects 64") == MODEL
    assert er.error_class("Unknown command: dbx") == INFRASTRUCTURE
    assert er.error_class("Invalid hex digit 'zz'") == INFRASTRUCTURE
