"""The firmware ports tinyfarm builds its agent for, and the board variants each takes.

A port is one SoC family's code in firmware/ports/<name>/. A board variant
(where the agent is linked, which pins its UART uses, whether a bootloader
sits below it) is data: a board profile (harness/config/profiles.py) or
farm.toml gives it, this table checks it at load, and the build gets it as
make variables (firmware/ports/<name>/port.mk reads them).

Ports a profile names that tinyfarm has no firmware for (ESP32, Apollo3,
ARC EM) are listed in MISSING with the chip and toolchain they would need:
such a board runs a prebuilt image or its own firmware instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class PortVar:
    """One board-variant key in farm.toml and the make variable it becomes."""

    key: str
    make: str
    accepted: str
    check: Callable[[int], bool]


@dataclass(frozen=True)
class FirmwarePort:
    name: str
    clock_hz: int  # the port's default core clock (its port.mk CLOCK_HZ)
    flash_origin: int  # where flash starts in the address map
    pyocd_target: str | None = None  # the usual pyOCD target type for the part
    variables: tuple[PortVar, ...] = ()
    physical: bool = True  # False: a port for an emulated machine or the host only

    def variable(self, key: str) -> PortVar | None:
        return next((v for v in self.variables if v.key == key), None)


def _nrf_vars() -> tuple[PortVar, ...]:
    pin = "a GPIO number 0..47 (32 * port + pin: P1.03 is 35)"
    return (
        PortVar(
            "app_start",
            "APP_START",
            "the agent's link address: 0 (bare chip) or the end of the bootloader, on a 4 KiB page",
            lambda v: 0 <= v < 0x100000 and v % 4096 == 0,
        ),
        PortVar("uart_tx_pin", "UART_TX_PIN", pin, lambda v: 0 <= v < 48),
        PortVar("uart_rx_pin", "UART_RX_PIN", pin, lambda v: 0 <= v < 48),
    )


PORTS: Mapping[str, FirmwarePort] = MappingProxyType(
    {
        p.name: p
        for p in (
            FirmwarePort("nrf52840", 64_000_000, 0x0, "nrf52840", _nrf_vars()),
            FirmwarePort("netduinoplus2", 168_000_000, 0x08000000, "stm32f405rgtx"),
            FirmwarePort("stm32l4", 120_000_000, 0x08000000, "stm32l4r5zitx"),
            FirmwarePort("mps2_an386", 25_000_000, 0x0, physical=False),
            FirmwarePort("host", 1_000_000_000, 0x0, physical=False),
        )
    }
)

# Ports named by a profile that have no firmware in tinyfarm: what they would need.
MISSING: Mapping[str, str] = MappingProxyType(
    {
        "esp32": "Espressif ESP32 (Xtensa LX6): an ESP-IDF port of the agent",
        "esp32s3": "Espressif ESP32-S3 (Xtensa LX7): an ESP-IDF port of the agent",
        "apollo3": "Ambiq Apollo3 (Cortex-M4F): a port with the AmbiqSuite UART and flash code",
        "himax_we1": "Himax WE-I Plus (ARC EM9D): a port built with the ARC GNU or MetaWare toolchain",
    }
)

WAYS_IN = (
    "name a prebuilt image on the board (image = \"agent.elf\", a .hex, a .bin with image_addr, "
    "or an ESP partition set image = { \"0x1000\" = \"bootloader.bin\", ... }): a tinyfarm agent "
    "built elsewhere; or run the board's own firmware through the EEMBC protocol "
    "(docs/porting.md)"
)


def no_port_problem(target: str) -> str:
    """Why a board on `target` cannot have its agent built here, and the two ways in."""
    what = MISSING.get(target)
    lead = f"tinyfarm has no firmware port {target!r}" + (f" ({what})" if what else "")
    return f"{lead}; ways in: {WAYS_IN}"


def make_vars(target: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The make variables for a board's variant keys (those its port takes)."""
    port = PORTS.get(target)
    if port is None:
        return {}
    out: dict[str, str] = {}
    for var in port.variables:
        if values.get(var.key) is not None:
            out[var.make] = str(int(values[var.key]))
    return out
