"""The command backend, with a real small script as the flashing tool."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.backends.command import CommandBackend
from harness.config import load as configload
from harness.config.model import BoardConfig, SerialMatch
from harness.errors import ConfigError, FlashError
from tests.unit.physical_fakes import fake_ports, firmware, usb_port

TOOL = textwrap.dedent(
    """
    import json, os, sys, time
    args = sys.argv[1:]
    with open(os.environ.get("TOOL_LOG", "tool-log.jsonl"), "a") as log:
        log.write(json.dumps({"argv": args, "cwd": os.getcwd()}) + "\\n")
    if "--fail" in args:
        print("Error: unable to find a connected probe", file=sys.stderr)
        sys.exit(3)
    if "--hang" in args:
        time.sleep(30)
    print("Programming... done")
    """
)


@pytest.fixture
def tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "fake-flasher.py"
    script.write_text(TOOL)
    monkeypatch.setenv("TOOL_LOG", str(tmp_path / "log.jsonl"))
    return script


def calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "log.jsonl"
    return [json.loads(line)["argv"] for line in log.read_text().splitlines()] if log.exists() else []


def board(tool: Path, flash: list[str], **options: object) -> BoardConfig:
    return BoardConfig(
        name="stm-7",
        backend="command",
        target="netduinoplus2",
        probe="066DFF555051897267233656",
        serial=SerialMatch(0x0483, 0x374B, "066DFF555051897267233656"),
        options={"flash_command": [sys.executable, str(tool), *flash], "reflash": True, **options},
    )


def test_placeholders_are_filled_for_the_tool(
    tmp_path: Path, tool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ports(monkeypatch, [usb_port("/dev/ttyACM9", 0x0483, 0x374B, "066DFF555051897267233656")])
    flash = [
        "--elf",
        "{image}",
        "--hex={hex}",
        "{model}@{model_addr}",
        "--probe",
        "{probe}",
        "{port}",
        "{board}",
    ]
    backend = CommandBackend(board(tool, flash), tmp_path / "work")
    backend.flash(firmware(tmp_path, slot=0x08080000), b"MODEL")
    (argv,) = calls(tmp_path)
    work = tmp_path / "work"
    assert argv == [
        "--elf",
        str(tmp_path / "agent.elf"),
        f"--hex={tmp_path / 'agent.hex'}",
        f"{work / 'model-slot.bin'}@0x08080000",
        "--probe",
        "066DFF555051897267233656",
        "/dev/ttyACM9",  # found by USB identity when the command runs
        "stm-7",
    ]
    assert (work / "model-slot.bin").read_bytes() == b"MODEL"
    assert "Programming... done" in (work / "flash_command.log").read_text()


def test_a_template_string_is_split_like_a_shell_line(tmp_path: Path, tool: Path) -> None:
    line = f"{sys.executable} {tool} 'two words' {{image}}"
    b = BoardConfig(name="b", backend="command", options={"flash_command": line, "image_format": "bin"})
    CommandBackend(b, tmp_path).flash(firmware(tmp_path), None)
    assert calls(tmp_path) == [["two words", str(tmp_path / "agent.bin")]]


def test_model_command_runs_after_the_firmware(tmp_path: Path, tool: Path) -> None:
    b = board(
        tool, ["fw", "{hex}"], model_command=[sys.executable, str(tool), "model", "{model}", "{model_addr}"]
    )
    CommandBackend(b, tmp_path).flash(firmware(tmp_path, slot=0x80000), b"M")
    assert [c[0] for c in calls(tmp_path)] == ["fw", "model"]
    assert calls(tmp_path)[1][2] == "0x00080000"
    CommandBackend(b, tmp_path).flash(firmware(tmp_path), None)  # no model: the firmware only
    assert [c[0] for c in calls(tmp_path)] == ["fw", "model", "fw"]


def test_tool_failure_is_a_flash_error_with_the_tools_words(tmp_path: Path, tool: Path) -> None:
    backend = CommandBackend(board(tool, ["--fail", "{elf}"]), tmp_path)
    with pytest.raises(FlashError) as info:
        backend.flash(firmware(tmp_path), b"m")
    text = str(info.value)
    assert text.startswith(f"board stm-7: {sys.executable} exited with status 3: ")
    assert "Error: unable to find a connected probe" in text
    assert info.value.error_class == "infrastructure"


def test_a_hanging_tool_is_stopped_at_the_timeout(tmp_path: Path, tool: Path) -> None:
    backend = CommandBackend(board(tool, ["--hang"], command_timeout=0.5), tmp_path)
    started = time.monotonic()
    with pytest.raises(FlashError, match=r"board stm-7: .* did not finish within 0\.5 s"):
        backend.flash(firmware(tmp_path), None)
    assert time.monotonic() - started < 5


def test_a_missing_tool_is_named(tmp_path: Path) -> None:
    b = BoardConfig(name="b", backend="command", options={"flash_command": "no-such-flasher-xyz {elf}"})
    backend = CommandBackend(b, tmp_path)
    assert backend.presence().reason == "no-such-flasher-xyz not found on PATH"
    with pytest.raises(FlashError, match="board b: cannot run no-such-flasher-xyz"):
        backend.flash(firmware(tmp_path), None)


def test_reset_command(tmp_path: Path, tool: Path) -> None:
    b = board(tool, ["fw"], reset_command=[sys.executable, str(tool), "reset", "{probe}"])
    CommandBackend(b, tmp_path).reset()
    assert calls(tmp_path) == [["reset", "066DFF555051897267233656"]]


def test_farm_toml_validates_templates(tmp_path: Path) -> None:
    farm = tmp_path / "farm.toml"
    model = tmp_path / "m.tflite"
    model.write_bytes(b"x")

    def load(board_lines: str) -> None:
        farm.write_text(
            '[[boards]]\nname = "b"\nbackend = "command"\ntarget = "netduinoplus2"\n'
            + board_lines
            + '\n[[models]]\nname = "m"\npath = "m.tflite"\n'
        )
        configload.load(farm)

    load("flash_command = \"openocd -f board/st_nucleo_f4.cfg -c 'program {elf} verify reset exit'\"")
    with pytest.raises(ConfigError, match=r"boards\[0\]\.flash_command: wrong value .*\{image\}"):
        load('flash_command = "openocd {nope}"')
    with pytest.raises(ConfigError, match=r"boards\[0\]\.flash_command: missing"):
        load("command_timeout = 5")
