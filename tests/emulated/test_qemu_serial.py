"""QEMU's UART on a loopback socket (the default) or a pty (`chardev = "pty"`)."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from harness.backends.qemu import QemuBackend
from harness.boards.firmware import default_build_root
from harness.config.model import BoardConfig
from harness.errors import FlashError
from harness.run.runner import BoardRun, build_firmware, open_backend
from tests.conftest import FIXTURES

MODEL = (FIXTURES / "models" / "digits_mlp_int8.tflite").read_bytes()


def board(**options: object) -> BoardConfig:
    return BoardConfig(name="t-uart", backend="qemu", options={"machine": "mps2-an386", **options})


@pytest.mark.parametrize("chardev", ["socket", "pty"])
def test_both_chardevs_boot_and_answer(tmp_path: Path, chardev: str) -> None:
    backend = open_backend(board(chardev=chardev), tmp_path)
    assert isinstance(backend, QemuBackend)
    firmware = build_firmware(backend, default_build_root())
    with BoardRun(backend, firmware, MODEL) as run:
        assert run.session.echo(b"ping") == b"ping"
        url = backend.link_url()
        identity = backend.identity()
    backend.close()
    assert identity["chardev"] == chardev and identity["machine"] == "mps2-an386"
    assert identity["qemu"].count(".") == 2 and identity["qemu"][0].isdigit()  # from QMP query-version
    if chardev == "socket":
        assert url.startswith("socket://127.0.0.1:") and "pty" not in identity
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as probe:  # QEMU stopped: the port is free again, nothing left listening
            probe.bind(("127.0.0.1", port))
    else:
        assert url.startswith("/dev/pts/") and identity["pty"] == url


def test_socket_start_is_much_faster_than_pty(tmp_path: Path) -> None:
    """QEMU polls a pty for a reader once a second; a socket's connection is seen at once."""
    took = {}
    for chardev in ("pty", "socket"):
        backend = open_backend(board(chardev=chardev), tmp_path / chardev)
        firmware = build_firmware(backend, default_build_root())
        started = time.monotonic()
        with BoardRun(backend, firmware, MODEL):
            took[chardev] = time.monotonic() - started
        backend.close()
    assert took["socket"] < 0.6 < took["pty"], took


def test_an_emulator_that_exits_at_once_fails_fast(tmp_path: Path) -> None:
    fake = tmp_path / "qemu-system-arm"
    fake.write_text(f"#!{sys.executable}\nimport sys\nsys.exit('no such machine')\n")
    fake.chmod(0o755)
    backend = open_backend(board(qemu=str(fake)), tmp_path / "work")
    firmware = build_firmware(backend, default_build_root())
    started = time.monotonic()
    with pytest.raises(FlashError, match=r"QEMU did not start: QEMU exited.*no such machine"):
        backend.flash(firmware, MODEL)
    assert time.monotonic() - started < 3  # not the QMP socket's 10 s timeout
