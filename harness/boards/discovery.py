"""What is attached to this host, as farm.toml board entries (`farm discover`).

Three sources, each optional: debug probes from pyOCD, USB serial ports from
pyserial's list_ports (with their USB identity), and ESP chips found by
esptool on ports whose USB bridge is a usual ESP one. A probe and the serial
port that carries the same USB serial number are one board (DAPLink,
ST-Link and J-Link OB boards expose their target's UART that way).

Boards whose flashing cannot be guessed are written as commented-out
entries: they need a flash_command before they can run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.boards.serialports import PortInfo, matches, usb_ports
from harness.config.model import BoardConfig, SerialMatch
from harness.config.ports import PORTS, no_port_problem
from harness.config.profiles import PROFILES
from harness.procs import quiet_stdout

# VID:PID of USB-UART bridges and native USB found on ESP boards.
ESP_USB = {
    (0x303A, 0x1001),  # Espressif USB-Serial/JTAG (ESP32-S3, -C3, -C6, -H2)
    (0x303A, 0x0002),  # ESP32-S2 native USB CDC
    (0x10C4, 0xEA60),  # Silicon Labs CP210x
    (0x1A86, 0x7523),  # WCH CH340
    (0x1A86, 0x55D4),  # WCH CH9102
}
# Boards recognised by their own USB identity: (vid, pid) -> (board profile, note).
KNOWN_USB = {
    (0x2341, 0x805A): (
        "nano33ble",
        "Arduino Nano 33 BLE (Sense): the agent's UART is D0/D1 (P1.10 RX, P1.03 TX); "
        "set serial to the USB-UART adapter wired there, and flash through SWD (pyocd) "
        "or the bootloader (bossac)",
    ),
    (0x2341, 0x005A): ("nano33ble", "Arduino Nano 33 BLE (Sense) in its bootloader"),
}
# pyOCD target type -> firmware port of this project.
PYOCD_TARGET_PORTS = {p.pyocd_target: p.name for p in PORTS.values() if p.pyocd_target}


@dataclass
class ProbeInfo:
    unique_id: str
    description: str = ""
    vendor: str = ""
    product: str = ""
    pyocd_target: str | None = None  # what the probe's firmware says the board is
    board_name: str = ""  # pyOCD's name for the board the probe sits on, when it knows


@dataclass
class EspChip:
    chip: str
    mac: str


@dataclass
class Found:
    """One board entry to write (active unless it needs a human's flash command)."""

    backend: str
    stem: str  # name prefix: target or chip
    target: str | None = None
    profile: str | None = None  # written instead of target: it brings the board variant
    probe: str | None = None
    serial: SerialMatch | None = None
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    active: bool = True
    name: str = ""


@dataclass
class Scan:
    found: list[Found]
    notes: list[str]  # what was looked at, for the person running discover


def list_probes() -> list[ProbeInfo]:
    """pyOCD's connected probes (ImportError when pyOCD is not installed)."""
    from harness.boards.tools import connected_probes

    out = []
    for probe in connected_probes(fresh=True):
        board = getattr(probe, "associated_board_info", None)
        out.append(
            ProbeInfo(
                unique_id=str(probe.unique_id),
                description=str(getattr(probe, "description", "") or ""),
                vendor=str(getattr(probe, "vendor_name", "") or ""),
                product=str(getattr(probe, "product_name", "") or ""),
                pyocd_target=getattr(board, "target", None) if board is not None else None,
                board_name=str(getattr(board, "name", "") or "") if board is not None else "",
            )
        )
    return out


def detect_esp(port: str) -> EspChip:
    """Ask esptool which chip is on the port (this resets the board), then let it run again."""
    import importlib

    cmds: Any = importlib.import_module("esptool.cmds")
    with quiet_stdout():  # esptool prints "Connecting..." and notes: stdout is the TOML
        esp = cmds.detect_chip(port=port, connect_attempts=1)
        try:
            chip = str(esp.CHIP_NAME)
            mac = ":".join(f"{int(b):02x}" for b in esp.read_mac("BASE_MAC"))
            cmds.reset_chip(esp, "hard-reset")
        finally:
            if getattr(esp, "_port", None) is not None:
                esp._port.close()
    return EspChip(chip, mac)


def _same_serial(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    a, b = a.lower(), b.lower()
    return a == b or a.lstrip("0") == b.lstrip("0")


def scan(
    probes: Callable[[], list[ProbeInfo]] | None = list_probes,
    ports: Callable[[], list[PortInfo]] = usb_ports,
    esp: Callable[[str], EspChip] | None = detect_esp,
    configured: Iterable[BoardConfig] = (),
) -> Scan:
    """Everything attached, minus what `configured` boards already claim."""
    notes: list[str] = []
    configured = list(configured)
    found: list[Found] = []
    probe_list: list[ProbeInfo] = []
    if probes is None:
        notes.append("debug probes: not listed (--no-probes)")
    else:
        try:
            probe_list = probes()
            notes.append(f"debug probes (pyocd): {len(probe_list)}")
        except ImportError:
            notes.append(
                "debug probes: not listed, pyocd is not installed (pip install 'tinyfarm[hardware]')"
            )
        except Exception as exc:
            notes.append(f"debug probes: pyocd could not list them: {exc}")
    port_list = ports()
    notes.append(f"USB serial ports: {len(port_list)}")
    claimed: set[str] = set()

    def known(probe: str | None = None, port: PortInfo | None = None) -> bool:
        for board in configured:
            if probe and board.probe and _same_serial(board.probe, probe):
                return True
            if port and board.serial and matches(board.serial, port):
                return True
        return False

    for probe in probe_list:
        port = next((p for p in port_list if _same_serial(p.serial_number, probe.unique_id)), None)
        if port is not None:
            claimed.add(port.device)
        if known(probe.unique_id, port):
            notes.append(f"probe {probe.unique_id}: already in the farm file")
            continue
        entry = _probe_entry(probe)
        if port is not None:
            entry.serial = port.as_match()
            entry.notes.append(f"UART {port.device} ({port.description or 'USB serial'})")
        else:
            entry.notes.append("no serial port carries this probe's id: set serial to the board's UART")
        found.append(entry)

    for port in port_list:
        if port.device in claimed:
            continue
        if known(port=port):
            notes.append(f"{port.device}: already in the farm file")
            continue
        ident = (port.vid or 0, port.pid or 0)
        if ident in ESP_USB and esp is not None:
            try:
                chip = esp(port.device)
            except Exception as exc:
                notes.append(f"{port.device}: no ESP chip answered ({exc})")
            else:
                name = chip.chip.lower().replace("-", "")
                entry = Found("esptool", name, serial=port.as_match(), active=False)
                entry.options = {"chip": name, "mac": chip.mac, "image": "<agent>.bin"}
                entry.notes.append(f"{chip.chip} on {port.device}; set model_offset to the model partition")
                entry.notes.append(no_port_problem(name))
                found.append(entry)
                continue
        profile, note = KNOWN_USB.get(ident, (None, ""))
        entry = Found("command", profile or "board", profile=profile, serial=port.as_match(), active=False)
        entry.notes.append(note or f"{port.device}: {port.description or 'USB serial port'}")
        entry.notes.append("needs a flash_command (openocd, probe-rs, nrfjprog, dfu-util, bossac)")
        entry.options["flash_command"] = "probe-rs download --chip <CHIP> {elf}"
        found.append(entry)
    if esp is None:
        notes.append("ESP chips: not probed (--no-esp)")
    return Scan(found, notes)


def propose_profile(probe: ProbeInfo) -> tuple[str | None, str]:
    """The board profile for a probe, from pyOCD's board name or the DAPLink board id;
    else the one profile of its target's port. None, with why, when it cannot tell."""
    daplink_id = probe.unique_id[:4] if len(probe.unique_id) >= 32 else ""  # DAPLink: board id first
    for profile in PROFILES.values():
        if probe.board_name in profile.probe_boards or daplink_id in profile.probe_boards:
            said = probe.board_name or f"board id {daplink_id}"
            return profile.name, f"profile {profile.name}: the probe says {said}"
    port = PYOCD_TARGET_PORTS.get(probe.pyocd_target or "")
    candidates = [p for p in PROFILES.values() if port and p.port == port]
    if len(candidates) == 1:
        return candidates[0].name, f"profile {candidates[0].name}: the only {port} board tinyfarm knows"
    if candidates:
        options = "; ".join(f"{p.name} ({_variant_words(p.variant)})" for p in candidates)
        return None, (
            f"cannot tell which {port} board this is from the probe: set profile = one of {options}"
        )
    return None, "set target (firmware port) and pyocd_target (pyocd list --targets)"


def _variant_words(variant: Any) -> str:
    start = int(variant.get("app_start") or 0)
    at = f"0x{start:x}"
    lead = f"bootloader below {at}" if variant.get("bootloader") else f"no bootloader, agent at {at}"
    pins = f"UART TX {variant.get('uart_tx_pin')} RX {variant.get('uart_rx_pin')}"
    return f"{lead}, {pins}" if "uart_tx_pin" in variant else lead


def _probe_entry(probe: ProbeInfo) -> Found:
    profile, why = propose_profile(probe)
    target = PYOCD_TARGET_PORTS.get(probe.pyocd_target or "")
    stem = profile or target or probe.pyocd_target or "board"
    entry = Found("pyocd", stem, profile=profile, probe=probe.unique_id)
    entry.notes.append(f"{probe.vendor} {probe.product} {probe.description}".strip())
    entry.notes.append(why)
    if profile is None:
        entry.active = False  # a guessed variant could link the agent over a bootloader
        entry.target = target
        if probe.pyocd_target:
            entry.options["pyocd_target"] = probe.pyocd_target
    return entry


def name_boards(found: list[Found], taken: Iterable[str] = ()) -> None:
    """Give each entry a name `<stem>-<n>` not used in the farm file yet."""
    used = set(taken)
    for entry in found:
        n = 1
        while f"{entry.stem}-{n}" in used:
            n += 1
        entry.name = f"{entry.stem}-{n}"
        used.add(entry.name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value))


def _serial(match: SerialMatch) -> str:
    parts = []
    if match.vid is not None:
        parts.append(f"vid = 0x{match.vid:04x}")
    if match.pid is not None:
        parts.append(f"pid = 0x{match.pid:04x}")
    if match.serial_number is not None:
        parts.append(f"serial_number = {_value(match.serial_number)}")
    if match.location is not None:
        parts.append(f"location = {_value(match.location)}")
    return "{ " + ", ".join(parts) + " }"


def entry_toml(entry: Found) -> str:
    lines = [f"# {' '.join(note.split())}" for note in entry.notes if note]
    body = ["[[boards]]", f"name = {_value(entry.name)}", f"backend = {_value(entry.backend)}"]
    if entry.profile:
        body.append(f"profile = {_value(entry.profile)}")
    if entry.target:
        body.append(f"target = {_value(entry.target)}")
    if entry.probe:
        body.append(f"probe = {_value(entry.probe)}")
    if entry.serial is not None:
        body.append(f"serial = {_serial(entry.serial)}")
    body += [f"{key} = {_value(value)}" for key, value in entry.options.items()]
    if not entry.active:
        body = ["# " + line for line in body]
    return "\n".join(lines + body) + "\n"


def to_toml(found: list[Found]) -> str:
    if not found:
        return "# farm discover: no debug probes, USB serial ports or ESP chips found\n"
    return "\n".join(entry_toml(e) for e in found)
