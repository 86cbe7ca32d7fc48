"""A board on a real pty goes through exactly the physical-board code path.

The "board" is the agent's host build behind a pseudo-terminal, started by a
small script that the `command` backend runs as its flashing tool (the
script restarts the agent, as a flash or a reset restarts a board: its port
vanishes and comes back under a new path). The only fake is the USB port
list: one entry carries the board's USB identity and points at the agent's
current pty, and a twin with another serial number sits next to it. The
matching, waiting, opening, HELLO, skip-if-same-build and SLOT_VERIFY code
is the code that runs against a rack.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from serial.tools.list_ports_common import ListPortInfo

from harness.backends.command import CommandBackend
from harness.boards import serialports
from harness.boards.firmware import FirmwareImage, default_build_root
from harness.config.model import BoardConfig, SerialMatch
from harness.errors import BoardUnavailable
from harness.link.session import AgentSession
from harness.models.reference import Reference
from harness.run.runner import BoardRun, build_firmware, open_backend
from tests.conftest import FIXTURES

MODEL = FIXTURES / "models" / "digits_mlp_int8.tflite"
IDENTITY = SerialMatch(vid=0x1915, pid=0x520F, serial_number="E6614C311B7A1234")

# The "flashing tool": restart the host agent with the model in its slot and
# note its new pty. The agent is detached (stdout to a file), so the tool exits.
RESTART = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    state, agent, slot = sys.argv[1], sys.argv[2], sys.argv[3]
    pid_file, pty_file, out_file = (os.path.join(state, n) for n in ("pid", "pty", "out"))
    old = int(open(pid_file).read()) if os.path.exists(pid_file) else None
    if os.path.exists(pty_file):
        os.remove(pty_file)  # the port is gone while the board restarts
    time.sleep(0.2)
    # The new agent starts before the old one stops, so its pty gets a new
    # number (as a replugged board comes back as ttyACM1 while ttyACM0 is held).
    with open(out_file, "w") as out:
        p = subprocess.Popen([agent, "--board", "pty-board", "--persist", "--slot", slot],
                             stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    open(pid_file, "w").write(str(p.pid))
    open(os.path.join(state, "all-pids"), "a").write(f"{p.pid}\\n")
    for _ in range(200):
        text = open(out_file).read()
        if text.startswith("PTY "):
            open(pty_file, "w").write(text.split()[1])
            break
        time.sleep(0.02)
    else:
        sys.exit("agent did not start")
    if old is not None:
        try:
            os.kill(old, signal.SIGTERM)
        except ProcessLookupError:
            pass
    print("flashed", slot)
    """
)


@pytest.fixture
def rack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The state folder of the pty board; the port list shows it (and a twin) by identity."""
    state = tmp_path / "board"
    state.mkdir()
    (tmp_path / "restart.py").write_text(RESTART)

    def comports() -> list[ListPortInfo]:
        ports = []
        twin = ListPortInfo("/dev/ttyACM9", skip_link_detection=True)
        twin.vid, twin.pid, twin.serial_number, twin.location = (
            0x1915,
            0x520F,
            "E6614C311B7AFFFF",
            "1-1.3:1.0",
        )
        ports.append(twin)
        pty = state / "pty"
        if pty.exists():
            info = ListPortInfo(pty.read_text(), skip_link_detection=True)
            info.vid, info.pid = IDENTITY.vid, IDENTITY.pid
            info.serial_number, info.location = IDENTITY.serial_number, "1-1.4:1.0"
            ports.append(info)
        return ports

    monkeypatch.setattr(serialports, "comports", comports)
    # The agents outlive the script that starts them; as their subreaper this
    # process can reap them (else they stay zombies where PID 1 does not reap).
    subreaper(True)
    try:
        yield state
    finally:
        stop_agents(state)
        subreaper(False)


def subreaper(on: bool) -> None:
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(36, int(on), 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def stop_agents(state: Path) -> None:
    """Stop and reap every agent this test started (by the pids the script noted)."""
    all_pids = state / "all-pids"
    for line in all_pids.read_text().split() if all_pids.exists() else []:
        agent = int(line)
        try:
            os.kill(agent, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if os.waitpid(agent, os.WNOHANG)[0]:
                    break
            except ChildProcessError:  # not ours to reap (no subreaper on this OS)
                break
            time.sleep(0.02)


def pty_board(tmp_path: Path, agent: Path | None = None) -> BoardConfig:
    restart = [sys.executable, str(tmp_path / "restart.py"), str(tmp_path / "board"), str(agent or "{image}")]
    return BoardConfig(
        name="pty-board",
        backend="command",
        target="host",
        serial=IDENTITY,
        options={
            "flash_command": [*restart, "{model}"],
            "reset_command": [*restart, str(tmp_path / "board" / "slot.bin")],
            "port_timeout": 10.0,
            "command_timeout": 30.0,
        },
    )


def host_firmware(backend: CommandBackend) -> FirmwareImage:
    firmware = build_firmware(backend, default_build_root())
    assert firmware.host_binary is not None
    # The host build has no GNU build-id and reports 20 zero bytes in HELLO; name
    # that as the build so the skip-if-same-build check has something to compare.
    return replace(firmware, elf=firmware.host_binary, build_id="00" * 20)


def pid(state: Path) -> int:
    return int((state / "pid").read_text())


def test_pty_board_is_found_opened_and_handshaken_by_identity(tmp_path: Path, rack: Path) -> None:
    backend = open_backend(pty_board(tmp_path), tmp_path / "work")
    assert isinstance(backend, CommandBackend)
    assert backend.presence().reason == "no serial port with 1915:520f serial_number=E6614C311B7A1234"
    firmware = host_firmware(backend)
    model = MODEL.read_bytes()

    with BoardRun(backend, firmware, model) as run:  # flash (the script), wait by identity, HELLO, verify
        first_pty = (rack / "pty").read_text()
        assert backend.identity()["port"] == first_pty
        assert run.hello.board == "pty-board"
        assert run.model_info.input.dims[0] == 1
        x = np.zeros(run.model_info.input.dims, np.int8)
        out = np.frombuffer(run.infer(x).output, np.int8)
        assert out.tolist() == Reference(MODEL).run(x).ravel().tolist()
    assert not backend.skipped_flash and backend.presence().present
    agent_pid = pid(rack)

    # The same build and model again: HELLO + SLOT_VERIFY say so, nothing is flashed.
    with BoardRun(backend, firmware, model) as run:
        assert backend.skipped_flash and pid(rack) == agent_pid
        assert run.hello.model_sha256 == __import__("hashlib").sha256(model).digest()

    # Another model: the slot does not hold it, so the tool runs (a new agent, a new pty).
    other = (FIXTURES / "models" / "digits_mlp_weak_int8.tflite").read_bytes()
    with BoardRun(backend, firmware, other):
        assert not backend.skipped_flash and pid(rack) != agent_pid
        assert (rack / "pty").read_text() != first_pty
    backend.close()


def test_port_is_refound_after_it_vanishes_and_returns_under_a_new_path(tmp_path: Path, rack: Path) -> None:
    builder = open_backend(pty_board(tmp_path), tmp_path / "work")
    assert isinstance(builder, CommandBackend)
    firmware = host_firmware(builder)
    # reset_command restarts the agent binary itself (a reset has no image to flash)
    backend = open_backend(pty_board(tmp_path, firmware.host_binary), tmp_path / "work")
    (rack / "slot.bin").write_bytes(MODEL.read_bytes())
    backend.flash(firmware, MODEL.read_bytes())
    with backend.open_link() as link:
        before = backend.identity()["port"]
        assert AgentSession(link, "pty-board").hello().board == "pty-board"

    # reset_command restarts the agent: the port vanishes and comes back elsewhere.
    backend.reset()
    with backend.open_link() as link:
        after_reset = backend.identity()["port"]
        assert after_reset != before
        assert AgentSession(link, "pty-board").hello().board == "pty-board"

    # Unplugged for a while (gone from the port list), then back under another
    # path: open_link waits for it.
    agent = str(firmware.host_binary)
    (rack / "pty").unlink()

    def replug() -> None:
        time.sleep(0.8)
        import subprocess

        subprocess.run(
            [sys.executable, str(tmp_path / "restart.py"), str(rack), agent, str(rack / "slot.bin")],
            check=True,
            capture_output=True,
            timeout=30,
        )

    thread = threading.Thread(target=replug)
    started = time.monotonic()
    thread.start()
    try:
        with backend.open_link() as link:
            waited = time.monotonic() - started
            assert AgentSession(link, "pty-board").hello().board == "pty-board"
    finally:
        thread.join()
    assert waited >= 0.7
    assert backend.identity()["port"] != after_reset

    # Gone for good: a bounded wait and an error that names the board and its identity.
    (rack / "pty").unlink()
    os.kill(pid(rack), signal.SIGTERM)
    config = pty_board(tmp_path)
    short = open_backend(replace(config, options={**config.options, "port_timeout": 0.5}), tmp_path / "w2")
    with pytest.raises(
        BoardUnavailable, match=r"board pty-board: no serial port with 1915:520f .*within 0.5 s"
    ):
        short.open_link()


def test_farm_flash_verb_on_the_pty_board(
    tmp_path: Path, rack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`farm flash BOARD --model NAME`: the command tool runs, the board is found by identity
    and answers HELLO with the model verified in its slot."""
    import shutil

    from harness.cli import main

    shutil.copy(MODEL, tmp_path / "digits.tflite")
    restart = [sys.executable, str(tmp_path / "restart.py"), str(rack), "{image}", "{model}"]
    farm = tmp_path / "farm.toml"
    farm.write_text(
        textwrap.dedent(
            f"""
            [[boards]]
            name = "pty-board"
            backend = "command"
            target = "host"
            serial = {{ vid = 0x1915, pid = 0x520f, serial_number = "E6614C311B7A1234" }}
            flash_command = {restart!r}

            [[models]]
            name = "digits"
            path = "digits.tflite"
            """
        ).replace("'", '"')
    )
    assert main(["--farm", str(farm), "flash", "pty-board", "--model", "digits"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "pty-board: flashed. Agent host" in err and "model verified in its slot" in err
