"""farm.toml as typed objects. Loading and validation live in load.py."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.config.calibration import CalibrationEntry


@dataclass(frozen=True)
class SerialMatch:
    """How a physical board's serial port is recognised: USB identity, never a path alone."""

    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class ImageSpec:
    """Prebuilt firmware flashed instead of building the agent: files and where they go.

    An address of None means the file says where it goes (ELF, Intel HEX),
    or, for an ESP application .bin, the board's app_offset.
    """

    parts: tuple[tuple[int | None, Path], ...]


@dataclass(frozen=True)
class BoardConfig:
    name: str
    backend: str
    target: str | None = None  # firmware port; the backend picks one when unset
    probe: str | None = None
    serial: SerialMatch | None = None
    url: str | None = None
    baud: int = 115200
    clock_hz: int | None = None
    flash_bytes: int | None = None
    ram_bytes: int | None = None
    tags: tuple[str, ...] = ()
    equivalent_of: str | None = None
    required: bool = False
    timeout_factor: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)  # backend-specific keys
    profile: str | None = None  # a board profile (harness/profiles.py), own or through equivalent_of
    latency_basis: str = "estimate"  # latency budgets judge "estimate" or "predicted" (calibrated)
    calibration: CalibrationEntry | None = None  # resolved from the farm's calibration file
    labgrid_place: str | None = None  # labgrid place: coordinator lock, RFC2217 link
    image: ImageSpec | None = None  # prebuilt firmware: flashed as it is, never built
    # The board variant of its firmware port (harness/config/ports.py).
    app_start: int | None = None  # the agent's link address (a bootloader below it)
    uart_tx_pin: int | None = None
    uart_rx_pin: int | None = None
    bootloader: bool = False  # flash below app_start holds a bootloader: never written

    def variant(self) -> dict[str, int | None]:
        return {"app_start": self.app_start, "uart_tx_pin": self.uart_tx_pin, "uart_rx_pin": self.uart_rx_pin}

    protocol: str = "tinyfarm"  # "eembc": the MLPerf Tiny device API (docs/eembc.md)
    kernels: str | None = None  # "ref" | "dsp": the engine's kernel set; None: the port's default
    fpu: str | None = None  # "fpv4-sp-d16": hard-float build for the board's FPU; None/"none": soft float
    eembc_infer_n: int = 20  # timed inferences per `infer N W` in performance mode
    eembc_warmup: int = 5  # warmup inferences before them
    eembc_windows: int = 5  # performance windows (the runner's `loop 5`)


@dataclass(frozen=True)
class ModelConfig:
    name: str
    path: Path | None  # None: the model lives only in the user's firmware (EEMBC boards)
    dataset: Path | None = None
    task: str = "classification"
    baseline: Path | None = None
    samples: int | None = None  # cap on samples in a full run
    smoke_samples: int = 10
    output: int = 0  # the output accuracy judges, for a model with several
    agreement_atol: float = 0.0  # float outputs: |device - reference| <= this agrees (0: equal values)
    firmware: str | None = None  # the user's image for EEMBC boards; may hold {model}, {board}
    build: tuple[str, ...] = ()  # the command that produces it: an argument list, no shell
    state: str = "reset"  # stateful models: "reset" before every sample, or "carry" across them

    @property
    def carry_state(self) -> bool:
        return self.state == "carry"


@dataclass(frozen=True)
class BudgetSet:
    """Limits for one model: defaults, then overrides for boards matching a glob."""

    defaults: dict[str, float]
    by_board: tuple[tuple[str, dict[str, float]], ...] = ()

    def for_board(self, board: str) -> dict[str, float]:
        limits = dict(self.defaults)
        for pattern, overrides in self.by_board:
            if fnmatch.fnmatchcase(board, pattern):
                limits.update(overrides)
        return limits


@dataclass(frozen=True)
class FarmConfig:
    path: Path
    name: str
    reports: Path
    boards: tuple[BoardConfig, ...]
    models: tuple[ModelConfig, ...]
    budgets: dict[str, BudgetSet]
    source_sha256: str
    calibration_file: Path | None = None
    state: Path = Path(".tinyfarm")  # leases, logs, journals, work files (never in reports/)

    def board(self, name: str) -> BoardConfig:
        for board in self.boards:
            if board.name == name:
                return board
        raise KeyError(f"no board {name!r} in {self.path}; boards: {', '.join(b.name for b in self.boards)}")

    def tflite(self, name: str) -> Path:
        """A model's .tflite; KeyError when it has none (it lives in the user's EEMBC firmware)."""
        path = self.model(name).path
        if path is None:
            raise KeyError(f"model {name!r} has no path: it lives in the firmware of EEMBC boards")
        return path

    def model(self, name: str) -> ModelConfig:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(f"no model {name!r} in {self.path}; models: {', '.join(m.name for m in self.models)}")

    def limits(self, model: str, board: str) -> dict[str, float]:
        budget = self.budgets.get(model)
        return budget.for_board(board) if budget else {}
