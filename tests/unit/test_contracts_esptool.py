"""esptool itself, as far as it runs without a chip: what tinyfarm calls exists with the
arguments tinyfarm passes, a silent port raises FatalError, and its prints stay off stdout."""

from __future__ import annotations

import inspect
import os
import pty
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.boards.discovery import detect_esp
from harness.cli import main
from tests.unit.physical_fakes import fake_ports, real, usb_port

cmds = real("esptool.cmds")
loader = real("esptool.loader")
util = real("esptool.util")


@pytest.fixture
def silent_pty() -> Iterator[str]:
    """A serial port nobody answers on: a pty whose other end stays quiet."""
    controller, device = pty.openpty()
    yield os.ttyname(device)
    os.close(device)
    os.close(controller)


def test_the_calls_tinyfarm_makes_bind_to_esptools_signatures() -> None:
    sig = inspect.signature
    sig(cmds.detect_chip).bind(port="/dev/x", baud=115200, connect_mode="default-reset")
    sig(cmds.detect_chip).bind(port="/dev/x", connect_attempts=1)
    sig(cmds.run_stub).bind(None)
    sig(cmds.attach_flash).bind(None)
    sig(cmds.write_flash).bind(None, [(0x10000, b"app")], no_progress=True)
    sig(cmds.reset_chip).bind(None, "hard-reset")
    sig(loader.ESPLoader.read_mac).bind(None, "BASE_MAC")
    sig(loader.ESPLoader.change_baud).bind(None, 460800)


def test_a_silent_port_raises_fatal_error_and_prints_nothing_on_stdout(
    silent_pty: str, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(util.FatalError, match="No serial data received"):
        detect_esp(silent_pty)
    out, err = capfd.readouterr()
    assert out == "" and "Connecting" in err  # esptool's chatter, moved to stderr


def test_discover_with_an_esp_bridge_on_a_silent_port_prints_valid_toml(
    silent_pty: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A CP210x identity listed by the (faked) port list, real esptool underneath."""
    fake_ports(monkeypatch, [usb_port(silent_pty, 0x10C4, 0xEA60, "0001", "1-1.2:1.0", "CP2102")])
    assert main(["--farm", str(tmp_path / "none.toml"), "discover", "--no-probes"]) == 0
    out, err = capfd.readouterr()
    parsed = tomllib.loads(out)
    assert parsed == {}  # the bridge is offered commented out: it needs a flash_command
    assert "# serial = { vid = 0x10c4, pid = 0xea60" in out
    assert f"{silent_pty}: no ESP chip answered (Failed to connect" in " ".join(err.split())
    assert "Connecting" in err and "Connecting" not in out
