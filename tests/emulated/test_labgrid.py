"""A board in a labgrid place, on loopback: coordinator, exporter and client from PyPI.

The board (the agent's host build on a pty) is exported by labgrid-exporter
as a RawSerialPort (the exporter runs ser2net for it); farm.toml names only
the place. The run acquires the place (the coordinator's lock), links over
the place's RFC 2217 port, and releases it.

labgrid is not a dependency of the harness (it installs a fork of pyserial
into its environment); the tools are looked for in $TINYFARM_LABGRID_BIN,
then .labgrid/bin in the checkout (scripts/test-job makes it), then PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.boards.firmware import default_build_root
from harness.config.model import BoardConfig
from harness.run.runner import build_firmware, open_backend
from tests.conftest import FIXTURES, ROOT

TOOLS = ("labgrid-coordinator", "labgrid-exporter", "labgrid-client")


def labgrid_bin() -> Path | None:
    for folder in (os.environ.get("TINYFARM_LABGRID_BIN"), str(ROOT / ".labgrid" / "bin")):
        if folder and all((Path(folder) / t).exists() for t in TOOLS):
            return Path(folder)
    found = [shutil.which(t) for t in TOOLS]
    return Path(found[0]).parent if all(found) else None  # type: ignore[arg-type]


BIN = labgrid_bin()
SER2NET_DIRS = "/usr/sbin:/sbin"
pytestmark = pytest.mark.skipif(
    BIN is None or not (shutil.which("ser2net") or Path("/usr/sbin/ser2net").exists()),
    reason="labgrid (labgrid-coordinator/-exporter/-client; pip install labgrid into its own venv, "
    "see docs/many-boards.md) or ser2net not installed",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A coordinator and an exporter on loopback, exporting a running agent's pty as place tf-place."""
    assert BIN is not None
    agent = open_backend(BoardConfig(name="lab-1", backend="fake"), tmp_path / "agent")
    agent.flash(build_firmware(agent, default_build_root()), None)
    address = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "LG_COORDINATOR": address, "PATH": f"{os.environ['PATH']}:{SER2NET_DIRS}"}
    (tmp_path / "exporter.yaml").write_text(
        f"tf-group:\n  RawSerialPort:\n    port: {agent.link_url()}\n    speed: 115200\n"
    )
    procs: list[subprocess.Popen[bytes]] = []

    def start(*cmd: str, log: str) -> None:
        with (tmp_path / log).open("wb") as out:
            procs.append(
                subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            )

    def client(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "labgrid-client"), *args], env=env, capture_output=True, text=True, timeout=30
        )

    try:
        start(str(BIN / "labgrid-coordinator"), "-l", address, log="coordinator.log")
        time.sleep(1.0)
        start(
            str(BIN / "labgrid-exporter"), "-c", address, "-n", "tfexp", "--hostname", "127.0.0.1",
            str(tmp_path / "exporter.yaml"), log="exporter.log",
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while "tfexp/tf-group" not in client("resources").stdout:
            assert time.monotonic() < deadline, (tmp_path / "exporter.log").read_text()[-2000:]
            time.sleep(0.5)
        assert client("-p", "tf-place", "create").returncode == 0
        assert client("-p", "tf-place", "add-match", "tfexp/tf-group/*").returncode == 0
        yield {
            "LG_COORDINATOR": address,
            "TINYFARM_LABGRID_CLIENT": str(BIN / "labgrid-client"),
        }
        lab_show = client("-p", "tf-place", "show").stdout
        assert "acquired: None" in lab_show, lab_show  # released after the run
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, 15)
            proc.wait(timeout=10)
        agent.close()


def test_farm_run_takes_the_labgrid_place_and_releases_it(
    pytester: pytest.Pytester, lab: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("LG_COORDINATOR", "TINYFARM_LABGRID_CLIENT"):
        monkeypatch.setenv(key, lab[key])
    shutil.copy(FIXTURES / "models" / "ad01_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "ad01_random.npz", pytester.path)
    pytester.makefile(
        ".toml",
        farm="""
        [farm]
        name = "lab"

        [[boards]]
        name = "lab-1"
        backend = "command"          # flashing happens elsewhere; the agent is already running
        target = "host"
        flash_command = "true"
        labgrid_place = "tf-place"

        [[models]]
        name = "ad01"
        path = "ad01_int8.tflite"
        dataset = "ad01_random.npz"
        task = "anomaly"
        smoke_samples = 3

        [budgets.ad01]
        agreement_min = 1.0
        """,
    )
    result = pytester.runpytest_subprocess(
        "--farm", "farm.toml", "--farm-smoke", "--farm-hardware", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4)

    (record,) = json.loads((pytester.path / "reports" / "results.json").read_text())["records"]
    assert record["verdict"] == "pass"
    assert record["identity"]["url"].startswith("rfc2217://127.0.0.1:")
