"""The Renode backend offline: generated scripts, command line, monitor handling.

Renode itself is needed only by the live tests in tests/emulated/test_twins.py.
Here a recorded-format monitor transcript (tests/unit/data) is replayed over a
real TCP socket, and a stand-in `renode` executable exercises start-up and
clean-up of the process.
"""

from __future__ import annotations

import socket
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.backends import BACKENDS
from harness.backends import renode as rn
from harness.boards.firmware import FirmwareImage
from harness.config.model import BoardConfig
from harness.errors import FlashError

TRANSCRIPT = Path(__file__).parent / "data" / "renode_monitor.transcript"


def board(platform: str = "nrf52840", **options: object) -> BoardConfig:
    clock = 64_000_000 if platform == "nrf52840" else 168_000_000
    return BoardConfig(
        name="nano-twin", backend="renode", clock_hz=clock, options={"platform": platform, **options}
    )


def firmware(tmp_path: Path, slot: int | None = None) -> FirmwareImage:
    elf = tmp_path / "agent.elf"
    elf.write_bytes(b"\x7fELF")
    return FirmwareImage(elf, "nrf52840", "00" * 20, "ab" * 32, 30_000, 4_000, slot)


# ---------------------------------------------------------------- scripts


def test_nrf52840_script_has_every_part(tmp_path: Path) -> None:
    backend = rn.RenodeBackend(board(), tmp_path / "w")
    model = tmp_path / "model.bin"
    text = backend.script(firmware(tmp_path), model, 4321)
    assert "{{" not in text
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == [
        "using sysbus",
        'mach create "nano-twin"',
        "machine LoadPlatformDescription @platforms/cpus/nrf52840.repl",
        "cpu PerformanceInMips 64",
        "nvic Frequency 64000000",
        f"sysbus LoadELF @{tmp_path / 'agent.elf'}",
        "cpu VectorTableOffset 0x10000",
        f"sysbus LoadBinary @{model} 0x80000",
        'emulation CreateServerSocketTerminal 4321 "farm_uart" false',
        "connector Connect sysbus.uart0 farm_uart",
    ]
    assert "start" not in lines  # started from the monitor once the link is open


def test_stm32f4_script_boots_from_flash_and_uses_usart1(tmp_path: Path) -> None:
    backend = rn.RenodeBackend(board("stm32f4", uart="sysbus.usart2"), tmp_path / "w")
    text = backend.script(firmware(tmp_path, slot=0x080C0000), None, 5000)
    assert "machine LoadPlatformDescription @platforms/boards/stm32f4_discovery-kit.repl" in text
    assert "cpu PerformanceInMips 168" in text and "nvic Frequency 168000000" in text
    assert "cpu VectorTableOffset 0x8000000" in text
    assert "LoadBinary" not in text  # no model: nothing in the slot
    assert "connector Connect sysbus.usart2 farm_uart" in text  # the board's uart option wins
    assert backend.target == "netduinoplus2"


def test_model_goes_where_the_elf_says(tmp_path: Path) -> None:
    text = rn.RenodeBackend(board(), tmp_path / "w").script(firmware(tmp_path, 0x000C0000), tmp_path / "m", 1)
    assert f"sysbus LoadBinary @{tmp_path / 'm'} 0xc0000" in text


def test_every_platform_has_a_template_that_renders(tmp_path: Path) -> None:
    for name in rn.PLATFORMS:
        text = rn.RenodeBackend(board(name), tmp_path / name).script(firmware(tmp_path), tmp_path / "m", 1)
        assert "LoadELF" in text and "CreateServerSocketTerminal" in text


def test_render_refuses_an_unfilled_placeholder() -> None:
    assert rn.render("a {{x}} b", {"x": 1}) == "a 1 b"
    with pytest.raises(ValueError, match="without a value: y"):
        rn.render("{{x}} {{y}}", {"x": 1})


def test_paths_renode_cannot_take_are_refused(tmp_path: Path) -> None:
    spaced = tmp_path / "with space"
    spaced.mkdir()
    with pytest.raises(FlashError, match="spaces"):
        rn.RenodeBackend(board(), tmp_path / "w").script(firmware(spaced), None, 1)


def test_command_line_is_headless_with_the_monitor_on_a_port(tmp_path: Path) -> None:
    backend = rn.RenodeBackend(board(renode="/opt/renode/renode"), tmp_path / "w")
    script = tmp_path / "b.resc"
    assert backend.command(script, 1234) == [
        "/opt/renode/renode",
        "--disable-xwt",
        "--plain",
        "--hide-log",
        "--port",
        "1234",
        "-e",
        f"include @{script}",
    ]


def test_latency_is_an_instruction_estimate_at_the_profile_clock(tmp_path: Path) -> None:
    model = rn.RenodeBackend(board(), tmp_path / "w").latency_model(64_000_000)
    assert model.kind == "instruction-estimate" and model.cycles_per_tick == 1.0
    # PerformanceInMips set apart from the clock: ticks still convert to instructions
    slow = rn.RenodeBackend(board(mips=32), tmp_path / "x").latency_model(64_000_000)
    assert slow.cycles_per_tick == 0.5


def test_registered_and_validated_like_any_backend() -> None:
    cls = BACKENDS.get("renode")
    assert cls is rn.RenodeBackend and cls.emulated
    assert cls.config_keys["platform"].required
    assert not cls.config_keys["platform"].check("nrf52")


def test_absent_renode_is_reported_not_raised(tmp_path: Path) -> None:
    presence = rn.RenodeBackend(board(renode="no-such-renode-here"), tmp_path / "w").presence()
    assert not presence.present and "no-such-renode-here not found on PATH" in presence.reason


# ---------------------------------------------------------------- monitor parsing


def test_telnet_negotiation_and_colours_are_removed() -> None:
    raw = b"\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0ab\xff\xffc\x1b[32mgreen\x1b[0m\r\n(monitor) "
    assert rn.clean(raw) == "ab\xffc".encode("latin-1").decode("utf-8", "replace") + "green\n(monitor) "
    assert rn.ends_with_prompt("x\n(nano-twin) ") and not rn.ends_with_prompt("x\n(nano-twin")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("[Domain = Antmicro.Renode.Time.MasterTimeSource, TimeElapsed = 00:00:02.512345678]", 2.512345678),
        ("00:01:00.000001", 60.000001),
        ("01:00:00.5", 3600.5),
    ],
)
def test_virtual_time_parses_renode_time_formats(text: str, seconds: float) -> None:
    assert rn.parse_virtual_time(text) == pytest.approx(seconds, abs=1e-12)


def test_numbers_and_garbage() -> None:
    assert rn.parse_int("0x000000000983C2A0") == 0x983C2A0
    assert rn.parse_int("12345") == 12345
    with pytest.raises(ValueError):
        rn.parse_virtual_time("no time here")


def _transcript() -> tuple[bytes, list[tuple[str, bytes, str]]]:
    """(greeting, [(command, answer bytes, expected text)]) from the transcript file."""
    greeting = b""
    steps: list[tuple[str, bytes, str]] = []
    for line in TRANSCRIPT.read_text().splitlines():
        if line.startswith("#") or not line:
            continue
        kind, body = line[0], line[2:]
        raw = body.encode("latin-1").decode("unicode_escape").encode("latin-1")
        if kind == "<" and not steps:
            greeting = raw
        elif kind == ">":
            steps.append((body, b"", ""))
        elif kind == "<":
            command, _, expected = steps[-1]
            steps[-1] = (command, raw, expected)
        elif kind == "=":
            command, answer, _ = steps[-1]
            steps[-1] = (command, answer, body)
    return greeting, steps


@pytest.fixture
def replay() -> Iterator[tuple[int, list[str]]]:
    """A TCP server that plays Renode's monitor from the transcript."""
    greeting, steps = _transcript()
    queue = [(command, answer) for command, answer, _ in steps]  # answered in order
    received: list[str] = []
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            # Renode sends its greeting in pieces; so do we, to exercise buffering
            for i in range(0, len(greeting), 7):
                conn.sendall(greeting[i : i + 7])
            buffer = b""
            while True:
                data = conn.recv(1024)
                if not data:
                    return
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    command = line.decode().strip()
                    received.append(command)
                    if command == "quit":
                        return
                    if queue and queue[0][0] == command:
                        conn.sendall(queue.pop(0)[1])
                    else:
                        conn.sendall(command.encode() + b"\r\n(monitor) ")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port, received
    server.close()
    thread.join(timeout=5)


def test_monitor_client_against_the_transcript(replay: tuple[int, list[str]]) -> None:
    import time

    port, received = replay
    monitor = rn.RenodeMonitor.connect("127.0.0.1", port, time.monotonic() + 10)
    _, steps = _transcript()
    answers = [monitor.execute(command) for command, _, _ in steps[:-1]]
    assert answers == [expected for _, _, expected in steps[:-1]]
    assert rn.parse_virtual_time(answers[0]) == 0.0
    assert rn.parse_virtual_time(answers[2]) == pytest.approx(2.512345678)
    assert rn.parse_int(answers[3]) == 0x983C2A0
    with pytest.raises(rn.MonitorError, match="Renode refused 'cpu Bogus': No such command or device"):
        monitor.execute("cpu Bogus")
    monitor.close()
    assert received[:2] == ["machine ElapsedVirtualTime", "start"]


# ---------------------------------------------------------------- process lifecycle

FAKE_RENODE = """\
#!{python}
# Stand-in for renode: checks the command line, serves a monitor on --port
# until `quit`, and records what it was asked.
import socket, sys
args = sys.argv[1:]
assert args[:3] == ["--disable-xwt", "--plain", "--hide-log"], args
port = int(args[args.index("--port") + 1])
script = args[args.index("-e") + 1].split("@", 1)[1]
text = open(script).read()
log = open(sys.argv[0] + ".log", "a")
log.write("script " + script + "\\n")
server = socket.create_server(("127.0.0.1", port))
conn, _ = server.accept()
conn.sendall(b"\\xff\\xfb\\x01Renode, version 0 (fake)\\r\\n(monitor) ")
buffer = b""
while True:
    data = conn.recv(1024)
    if not data:
        break
    buffer += data
    while b"\\n" in buffer:
        line, buffer = buffer.split(b"\\n", 1)
        command = line.decode().strip()
        log.write(command + "\\n"); log.flush()
        if command == "quit":
            sys.exit(0)
        answer = "[Domain = x, TimeElapsed = 00:00:00.000000100]" if "ElapsedVirtualTime" in command else ""
        conn.sendall((command + "\\r\\n" + answer + "\\r\\n(fake) ").encode())
"""


@pytest.fixture
def fake_renode(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "renode"
    path.parent.mkdir()
    path.write_text(FAKE_RENODE.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_flash_starts_renode_waits_for_its_monitor_and_cleans_up(tmp_path: Path, fake_renode: Path) -> None:
    backend = rn.RenodeBackend(board(renode=str(fake_renode), startup_timeout=20), tmp_path / "w")
    assert backend.presence().present
    backend.flash(firmware(tmp_path), b"\x01\x02model")
    try:
        url = backend.link_url()
        assert url.startswith("socket://127.0.0.1:")
        script = (tmp_path / "w" / "nano-twin.resc").read_text()
        assert f'CreateServerSocketTerminal {url.rsplit(":", 1)[1]} "farm_uart" false' in script
        assert (tmp_path / "w" / "model-slot.bin").read_bytes() == b"\x01\x02model"
        backend.link_opened()
        identity = backend.identity()
        assert identity["virtual_time_s"] == "0.000000100"
        assert identity["platform"] == "nrf52840"
        process = backend._process
        assert process is not None and process.poll() is None
    finally:
        backend.close()
    assert process.wait(timeout=10) == 0  # left on `quit`, not killed
    log = (fake_renode.parent / "renode.log").read_text().splitlines()
    assert log[0].startswith("script ") and log[0].endswith("nano-twin.resc")
    assert log[1:3] == ["machine ElapsedVirtualTime", "start"] and log[-1] == "quit"
    backend.close()  # twice is safe


def test_renode_that_dies_at_start_is_a_flash_error_with_its_log(tmp_path: Path) -> None:
    broken = tmp_path / "renode"
    broken.write_text(f"#!{sys.executable}\nimport sys\nprint('cannot load platform')\nsys.exit(3)\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    backend = rn.RenodeBackend(board(renode=str(broken), startup_timeout=10), tmp_path / "w")
    with pytest.raises(FlashError, match=r"Renode did not start.*cannot load platform"):
        backend.flash(firmware(tmp_path), None)
    assert backend._process is None


def test_link_url_before_flash_says_renode_is_not_running(tmp_path: Path) -> None:
    from harness.errors import BoardUnavailable

    with pytest.raises(BoardUnavailable, match="Renode is not running"):
        rn.RenodeBackend(board(), tmp_path / "w").link_url()
