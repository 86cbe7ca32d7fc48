"""Board profiles shipped with tinyfarm: what a physical board is, and which
emulated machines can run an equivalent of it.

A [[boards]] entry in farm.toml names one with `profile = "<name>"` (or
reaches one through `equivalent_of`) and inherits its clock, memory limits,
firmware port (physical boards) and emulator settings (twins). Keys written
in farm.toml win. Sources: the vendors' product pages and datasheets.

Emulator equivalents come in two strengths. An SoC-level twin (Renode's
nRF52840 for the Nano 33 BLE Sense) models the board's own chip. A
core-level twin (QEMU's mps2-an386 for every Cortex-M4F board) runs the same
CPU core with tinyfarm's firmware port for the emulated SoC: same
instruction set, same memory limits (the firmware is linked to the
profile's flash and RAM), other peripherals. Neither models the board's
pipeline, wait states or caches: emulated latency is an instruction-count
estimate, and a calibration factor (harness/calibration.py) turns it into a
predicted physical latency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    soc: str
    core: str
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    port: str  # the firmware port a physical board of this kind runs
    # backend name -> the keys that backend takes in a [[boards]] table
    emulators: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    notes: str = ""
    # The board variant of its port (harness/config/ports.py): app_start,
    # uart_tx_pin, uart_rx_pin, bootloader. farm.toml keys win.
    variant: Mapping[str, Any] = field(default_factory=dict)
    pyocd_target: str | None = None  # physical boards behind a debug probe
    # How `farm discover` recognises the board: pyOCD's board names and the
    # DAPLink board ids (the first four digits of the probe's unique id).
    probe_boards: tuple[str, ...] = ()

    @property
    def fpu(self) -> str | None:
        """The FPU the agent is built for (make FPU=...): a Cortex-M4F's single-precision
        FPv4 (QEMU's mps2-an386 and netduinoplus2 Cortex-M4 and Renode's nRF52840 emulate it)."""
        return "fpv4-sp-d16" if self.core == "cortex-m4f" else None

    def emulator(self, backend: str) -> Mapping[str, Any] | None:
        return self.emulators.get(backend)

    def board_defaults(self, backend: str, emulated: bool) -> dict[str, Any]:
        """The [[boards]] keys this profile supplies to a board on `backend`.

        A physical board also gets the firmware port; an emulated twin runs
        the port of its emulated machine, which its backend picks.
        """
        values: dict[str, Any] = {
            "clock_hz": self.clock_hz,
            "flash_bytes": self.flash_bytes,
            "ram_bytes": self.ram_bytes,
            "tags": [self.core],
        }
        if self.fpu:
            values["fpu"] = self.fpu
        if emulated:
            values.update(self.emulators.get(backend, {}))
        else:
            values["target"] = self.port
            values.update(self.variant)
            if self.pyocd_target:
                values["pyocd_target"] = self.pyocd_target
        return values

    def describe(self) -> str:
        return (
            f"{self.title}: {self.soc}, {self.core} at {self.clock_hz / 1e6:g} MHz, "
            f"{self.flash_bytes:,} B flash, {self.ram_bytes:,} B RAM"
        )


def _frozen(emulators: dict[str, dict[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({k: MappingProxyType(v) for k, v in emulators.items()})


_CORTEX_M4_QEMU = {"qemu": {"machine": "mps2-an386"}}
# nRF52840 variants (pins are GPIO numbers, 32 * port + pin).
_NANO33BLE = MappingProxyType(
    {"app_start": 0x10000, "bootloader": True, "uart_tx_pin": 35, "uart_rx_pin": 42}  # P1.03, P1.10
)
_NRF52840_DK = MappingProxyType(
    {"app_start": 0x0, "bootloader": False, "uart_tx_pin": 6, "uart_rx_pin": 8}  # P0.06, P0.08
)

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        p.name: p
        for p in (
            Profile(
                "nano33ble",
                "Arduino Nano 33 BLE Sense",
                "Nordic nRF52840",
                "cortex-m4f",
                64_000_000,
                1_048_576,
                262_144,
                "nrf52840",
                _frozen({**_CORTEX_M4_QEMU, "renode": {"platform": "nrf52840"}}),
                "QEMU: core-level twin; Renode: the nRF52840 SoC itself. The Arduino bootloader "
                "owns 0x0-0xFFFF; the agent's UART is D1 (P1.03, TX) / D0 (P1.10, RX).",
                variant=_NANO33BLE,
                pyocd_target="nrf52840",
            ),
            Profile(
                "nrf52840-dk",
                "Nordic nRF52840 DK (PCA10056)",
                "Nordic nRF52840",
                "cortex-m4f",
                64_000_000,
                1_048_576,
                262_144,
                "nrf52840",
                _frozen({**_CORTEX_M4_QEMU, "renode": {"platform": "nrf52840"}}),
                "No bootloader: the agent is linked at 0x0. UART on P0.06 (TX) / P0.08 (RX), "
                "the interface MCU's virtual COM port.",
                variant=_NRF52840_DK,
                pyocd_target="nrf52840",
                probe_boards=("nRF52840-DK", "1102"),
            ),
            Profile(
                "sparkfun-edge2",
                "SparkFun Edge 2 (Artemis)",
                "Ambiq Apollo3 Blue",
                "cortex-m4f",
                48_000_000,
                1_048_576,
                393_216,
                "apollo3",
                _frozen(_CORTEX_M4_QEMU),
                "QEMU: core-level twin. Renode models Apollo4, not Apollo3.",
            ),
            Profile(
                "esp-eye",
                "Espressif ESP-EYE",
                "Espressif ESP32 (dual-core Xtensa LX6)",
                "xtensa-lx6",
                240_000_000,
                4_194_304,
                532_480,  # 520 KiB internal SRAM
                "esp32",
                _frozen({}),
                "No emulated equivalent in tinyfarm's backends (Espressif's QEMU fork, "
                "qemu-system-xtensa -M esp32, is not one of the qemu backend's machines).",
            ),
            Profile(
                "himax-we-i",
                "Himax WE-I Plus EVB",
                "Himax HX6537-A (Synopsys ARC EM9D)",
                "arc-em9d",
                400_000_000,
                2_097_152,
                2_097_152,
                "himax_we1",
                _frozen({}),
                "No emulated equivalent: neither QEMU nor Renode in tinyfarm runs ARC EM.",
            ),
            Profile(
                "nucleo-l4r5zi",
                "ST NUCLEO-L4R5ZI (MLPerf Tiny reference board)",
                "ST STM32L4R5ZI",
                "cortex-m4f",
                120_000_000,
                2_097_152,
                655_360,
                "stm32l4",
                _frozen(_CORTEX_M4_QEMU),
                "QEMU: core-level twin. Renode's STM32F4 platform runs the netduinoplus2 port, "
                "whose link script stops at the F405's 1 MiB flash and 128 KiB RAM. "
                "Agent UART: LPUART1 on PG7/PG8, the ST-LINK's virtual COM port.",
                pyocd_target="stm32l4r5zitx",
                probe_boards=("NUCLEO-L4R5ZI", "NUCLEO-L4R5ZI-P", "0776", "0781"),
            ),
        )
    }
)


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"no board profile {name!r}; profiles: {', '.join(PROFILES)}") from None


def names() -> list[str]:
    return list(PROFILES)
