"""A board behind RFC 2217 (ser2net) works like a local one: end to end on loopback.

The board's `url = "rfc2217://127.0.0.1:PORT"` makes the harness put ser2net
in front of the emulator's pty and open the link through it, as it would a
port exported by ser2net on another host.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from harness.config import load as configload
from harness.link.links import SerialLink
from harness.link.ser2net import Ser2net
from harness.run.farm import Farm
from tests.conftest import FIXTURES

SER2NET = shutil.which("ser2net") or next(
    (p for p in ("/usr/sbin/ser2net", "/sbin/ser2net") if Path(p).exists()), None
)
pytestmark = pytest.mark.skipif(SER2NET is None, reason="ser2net not installed (apt-get install ser2net)")

BOARDS = {"fake": 'backend = "fake"', "qemu": 'backend = "qemu"\nmachine = "mps2-an386"'}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("kind", sorted(BOARDS))
def test_model_runs_through_ser2net_rfc2217(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(FIXTURES / "models" / "ad01_int8.tflite", tmp_path)
    shutil.copy(FIXTURES / "data" / "ad01_random.npz", tmp_path)
    url = f"rfc2217://127.0.0.1:{free_port()}"
    (tmp_path / "farm.toml").write_text(
        f'[farm]\nname = "remote"\n\n[[boards]]\nname = "remote-1"\n{BOARDS[kind]}\nurl = "{url}"\n\n'
        '[[models]]\nname = "ad01"\npath = "ad01_int8.tflite"\ndataset = "ad01_random.npz"\n'
        'task = "anomaly"\nsmoke_samples = 4\n\n[budgets.ad01]\nagreement_min = 1.0\n'
    )
    started: list[Ser2net] = []
    opened: list[str] = []
    real_init, real_link = Ser2net.__init__, SerialLink.__init__

    def spy(self: Ser2net, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        started.append(self)

    def spy_link(self: SerialLink, url: str, baud: int = 115200) -> None:
        opened.append(url)
        real_link(self, url, baud)

    monkeypatch.setattr(Ser2net, "__init__", spy)
    monkeypatch.setattr(SerialLink, "__init__", spy_link)
    farm = Farm(configload.load(tmp_path / "farm.toml"), smoke=True)
    record = farm.run("remote-1", "ad01")
    assert record.verdict == "pass", record.error
    assert record.metrics["agreement"] == 1.0 and record.metrics["samples"] == 4
    assert opened and all(u.startswith(url) for u in opened)  # every link went through RFC 2217
    assert started and "accepter: telnet(rfc2217),tcp,127.0.0.1," in started[0].config.read_text()
    assert "chardelay: false" in started[0].config.read_text()
    assert all(not s.alive() for s in started)  # stopped with the link


def test_emulated_board_url_must_be_local(tmp_path: Path) -> None:
    from harness.errors import LinkError
    from harness.link.ser2net import local_port

    assert local_port("rfc2217://127.0.0.1:4001") == ("127.0.0.1", 4001)
    with pytest.raises(LinkError, match=r"must be rfc2217://127\.0\.0\.1:PORT"):
        local_port("rfc2217://rack-3.lab:4001")
