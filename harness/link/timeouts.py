"""Timeouts derived from what each step should take (pure).

A step's bound is a floor for scheduling jitter, plus three times the
time its bytes need on the link, plus (for INFER) four times the expected
inference time; all times the board's multiplier, and never more than the
global ceiling. The expected inference time starts from the model's size
and is replaced by the measured one after the first inference, so a hung
board is detected in a few inference times, not after a fixed minute.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Before anything is measured: a slow board runs about this many model
# bytes per second (ResNet-8's 98 KB take about 5 s in QEMU on a slow host).
FIRST_GUESS_MODEL_BYTES_PER_S = 20_000.0


@dataclass(frozen=True)
class Timeouts:
    link_bytes_per_s: float = 10_000.0  # slowest payload rate expected on the link
    floor: float = 1.0  # seconds of OS, USB and emulator jitter
    boot_s: float = 10.0  # from power-on or flash to the first HELLO answer
    factor: float = 1.0  # the board's timeout_factor
    ceiling: float = 120.0  # no single step waits longer than this
    expected_infer_s: float = 1.0

    def _bound(self, seconds: float) -> float:
        return min(seconds * self.factor, self.ceiling)

    def reply(self, nbytes: int = 64) -> float:
        """A request and its answer carrying nbytes in all."""
        return self._bound(self.floor + 3 * nbytes / self.link_bytes_per_s)

    def boot(self) -> float:
        return self._bound(self.boot_s)

    def infer(self, nbytes: int) -> float:
        return self._bound(self.floor + 3 * nbytes / self.link_bytes_per_s + 4 * self.expected_infer_s)

    def for_model(self, model_bytes: int) -> Timeouts:
        return replace(self, expected_infer_s=0.5 + model_bytes / FIRST_GUESS_MODEL_BYTES_PER_S)

    def learned(self, infer_seconds: float) -> Timeouts:
        """After a measured inference: expect that long (never less than 10 ms)."""
        return replace(self, expected_infer_s=max(infer_seconds, 0.01))
