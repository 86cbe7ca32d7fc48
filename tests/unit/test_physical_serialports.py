"""Serial ports by USB identity: the matcher every physical backend uses."""

from __future__ import annotations

import pytest

from harness.boards import serialports
from harness.boards.serialports import PortInfo, matches, resolve, wait_for_port
from harness.config.model import SerialMatch
from harness.errors import BoardUnavailable
from tests.unit.physical_fakes import fake_ports, usb_port

PORT = PortInfo("/dev/ttyACM3", 0x2341, 0x805A, "F1A2B3", "1-1.4:1.0")


@pytest.mark.parametrize(
    ("match", "ok"),
    [
        (SerialMatch(vid=0x2341, pid=0x805A), True),
        (SerialMatch(serial_number="f1a2b3"), True),  # case does not matter
        (SerialMatch(vid=0x2341, serial_number="F1A2B4"), False),
        (SerialMatch(location="1-1.4"), True),  # without the interface suffix
        (SerialMatch(location="1-1.4:1.0"), True),
        (SerialMatch(location="1-1.4:1.2"), False),
        (SerialMatch(location="1-1"), False),  # a hub is not the device on it
        (SerialMatch(pid=0x805B), False),
        (SerialMatch(), False),  # no identity matches nothing, never "any port"
    ],
)
def test_match_fields(match: SerialMatch, ok: bool) -> None:
    assert matches(match, PORT) is ok


def test_identical_boards_are_told_apart_by_serial_or_location() -> None:
    ports = [
        PortInfo("/dev/ttyACM0", 0x2341, 0x805A, "AAA", "1-1.1:1.0"),
        PortInfo("/dev/ttyACM1", 0x2341, 0x805A, "BBB", "1-1.2:1.0"),
    ]
    with pytest.raises(BoardUnavailable, match=r"2 serial ports match 2341:805a.*serial_number or location"):
        resolve("nano", SerialMatch(0x2341, 0x805A), ports)
    assert resolve("nano", SerialMatch(0x2341, 0x805A, "BBB"), ports).device == "/dev/ttyACM1"
    assert resolve("nano", SerialMatch(location="1-1.1"), ports).device == "/dev/ttyACM0"
    with pytest.raises(BoardUnavailable, match="board nano: no serial port with 2341:805a serial_number=CCC"):
        resolve("nano", SerialMatch(0x2341, 0x805A, "CCC"), ports)


def test_port_info_from_pyserial_and_back_to_farm_toml(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_ports(monkeypatch, [usb_port("/dev/ttyACM7"), usb_port("/dev/ttyUSB0", 0x10C4, 0xEA60, None, "1-2")])
    dap, cp210x = serialports.usb_ports()
    assert dap.identity() == {
        "vid:pid": "0d28:0204",
        "serial_number": "0240000034544E45001E0012",
        "location": "1-1.4:1.0",
    }
    # with a serial number the location is left out (the board may move); without one it is needed
    assert dap.as_match() == SerialMatch(0x0D28, 0x0204, "0240000034544E45001E0012", None)
    assert cp210x.as_match() == SerialMatch(0x10C4, 0xEA60, None, "1-2")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_for_port_waits_for_the_identity_to_come_back_under_a_new_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    match = SerialMatch(0x0D28, 0x0204, "0240000034544E45001E0012")

    def listing() -> list[object]:
        if clock.now < 0.3:
            return [usb_port("/dev/ttyACM0")]  # still the old port, just after reset
        if clock.now < 1.0:
            return []  # gone while the board re-enumerates
        return [usb_port("/dev/ttyACM1")]  # back, under another name

    fake_ports(monkeypatch, listing)
    port = wait_for_port(
        "dap", match, 5.0, vanish=1.0, previous="/dev/ttyACM0", clock=clock, sleep=clock.sleep
    )
    assert port.device == "/dev/ttyACM1"
    assert 1.0 <= clock.now < 1.2


def test_wait_for_port_is_bounded_and_says_what_it_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    fake_ports(monkeypatch, [])
    with pytest.raises(BoardUnavailable) as info:
        wait_for_port(
            "nano-3",
            SerialMatch(serial_number="X1"),
            2.0,
            previous="/dev/ttyACM2",
            clock=clock,
            sleep=clock.sleep,
        )
    assert "board nano-3: no serial port with serial_number=X1 within 2 s (it was /dev/ttyACM2)" in str(
        info.value
    )
    assert clock.now == pytest.approx(2.0, abs=0.06)


def test_a_bridge_that_stays_enumerated_costs_only_the_vanish_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    fake_ports(monkeypatch, [usb_port("/dev/ttyUSB0")])
    port = wait_for_port(
        "b",
        SerialMatch(vid=0x0D28),
        10.0,
        vanish=0.5,
        previous="/dev/ttyUSB0",
        clock=clock,
        sleep=clock.sleep,
    )
    assert port.device == "/dev/ttyUSB0" and clock.now == pytest.approx(0.5, abs=0.06)


def test_holders_names_the_process_that_has_a_port_open(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    device = tmp_path / "ttyFAKE"
    device.write_text("")
    with device.open() as handle:
        proc = subprocess.Popen(["sleep", "30"], stdin=handle)
    try:
        assert serialports.holders([str(device)]) == {str(device): [proc.pid]}
    finally:
        proc.kill()
        proc.wait()
    assert serialports.holders([str(device)]) == {}
