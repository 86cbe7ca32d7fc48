"""ser2net in front of a local serial device: a board's link as a remote one.

On a rack host ser2net (Debian package `ser2net`, version 4) exports each
board's UART over RFC 2217, and the harness opens `rfc2217://host:port`
like any port. For an emulated board with `url = "rfc2217://127.0.0.1:PORT"`
the harness runs that ser2net itself, in front of the emulator's pty (which
changes every time the emulator starts), for as long as the link is open,
so the remote path is exercised end to end on one machine.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

from harness.errors import LinkError
from harness.link.links import SerialLink
from harness.procs import die_with_harness, stop_process_group

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
START_TIMEOUT = 10.0


def config_yaml(device: str, port: int, baud: int, host: str = "127.0.0.1") -> str:
    """ser2net 4 YAML for one RFC 2217 accepter in front of `device`.

    chardelay off: ser2net otherwise waits a few character times before
    sending what it has read, which costs about 3.5 ms per round trip.
    """
    return (
        "%YAML 1.1\n---\n"
        "connection: &tinyfarm\n"
        f"  accepter: telnet(rfc2217),tcp,{host},{port}\n"
        f"  connector: serialdev(nouucplock=true),{device},{baud}n81,local\n"
        "  options:\n"
        "    kickolduser: true\n"
        "    chardelay: false\n"
    )


def local_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "rfc2217" or parts.hostname not in LOCAL_HOSTS or parts.port is None:
        raise LinkError(
            f"{url}: an emulated board's url must be rfc2217://127.0.0.1:PORT "
            "(the harness runs ser2net in front of the emulator on this host)"
        )
    return parts.hostname, parts.port


class Ser2net:
    """One ser2net process in the foreground, stopped by its pid."""

    def __init__(self, device: str, host: str, port: int, baud: int, workdir: Path):
        executable = shutil.which("ser2net") or next(
            (p for p in ("/usr/sbin/ser2net", "/sbin/ser2net") if Path(p).exists()), None
        )
        if executable is None:
            raise LinkError("ser2net not found (apt-get install ser2net)")
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / "ser2net.yaml"
        self.config.write_text(config_yaml(device, port, baud, host))
        self.log = workdir / "ser2net.log"
        with self.log.open("wb") as log:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [executable, "-n", "-d", "-c", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_harness,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process)


class Ser2netLink(SerialLink):
    """An RFC 2217 link to a local device through a ser2net this link starts and stops."""

    def __init__(self, device: str, url: str, baud: int, workdir: Path):
        host, port = local_port(url)
        self.ser2net = Ser2net(device, host, port, baud, workdir)
        deadline = time.monotonic() + START_TIMEOUT
        while True:  # ser2net needs a moment to listen: retry the real connection
            try:
                # a pty has no modem lines: ser2net never acknowledges DTR/RTS
                super().__init__(f"{url}{'&' if '?' in url else '?'}ign_set_control", baud)
                return
            except LinkError as exc:
                if not self.ser2net.alive() or time.monotonic() > deadline:
                    self.ser2net.stop()
                    tail = self.ser2net.log.read_text(errors="replace")[-300:]
                    raise LinkError(f"{exc}; ser2net: {tail}") from exc
                time.sleep(0.05)
            except BaseException:
                self.ser2net.stop()
                raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.ser2net.stop()
