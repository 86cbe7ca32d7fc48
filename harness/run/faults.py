"""Fault injection on a link: corrupt, drop, duplicate and delay bytes.

Wraps any Link so tests and benches can show that errors on the wire are
detected (CRC), recovered (retry, resync) and never accepted as results.
Seeded, so a failing run can be replayed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy.typing as npt

from harness.errors import InfrastructureError
from harness.link.links import Link

if TYPE_CHECKING:
    from harness.run.recovery import RecoveringRun


@dataclass(frozen=True)
class FaultSpec:
    corrupt: float = 0.0  # per byte: flip one random bit
    drop: float = 0.0  # per byte: lose it
    duplicate: float = 0.0  # per byte: deliver it twice
    delay: float = 0.0  # per read: stall this many seconds first
    seed: int = 0


class FaultyLink(Link):
    def __init__(self, inner: Link, spec: FaultSpec):
        super().__init__()
        self.inner = inner
        self.spec = spec
        self._rng = random.Random(spec.seed)
        self.injected = {"corrupt": 0, "drop": 0, "duplicate": 0}

    def _mangle(self, data: bytes) -> bytes:
        out = bytearray()
        rng, spec = self._rng, self.spec
        for byte in data:
            if spec.drop and rng.random() < spec.drop:
                self.injected["drop"] += 1
                continue
            if spec.corrupt and rng.random() < spec.corrupt:
                byte ^= 1 << rng.randrange(8)
                self.injected["corrupt"] += 1
            out.append(byte)
            if spec.duplicate and rng.random() < spec.duplicate:
                out.append(byte)
                self.injected["duplicate"] += 1
        return bytes(out)

    def write(self, data: bytes) -> None:
        self.bytes_written += len(data)
        self.inner.write(self._mangle(data))

    def read(self, timeout: float) -> bytes:
        if self.spec.delay:
            time.sleep(self.spec.delay)
        data = self._mangle(self.inner.read(timeout))
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        self.inner.close()


@dataclass
class FaultTally:
    """Outcome of inferences over a faulty link, judged against known-good outputs."""

    correct: int = 0
    wrong: int = 0  # a result accepted that differs from the reference: must stay 0
    failed: int = 0  # gave up after every recovery step (an infrastructure error)
    retries: int = 0
    injected: int = 0

    @property
    def total(self) -> int:
        return self.correct + self.wrong + self.failed


def tally_inferences(
    run: RecoveringRun, inputs: Sequence[npt.NDArray[Any]], expected: Sequence[bytes]
) -> FaultTally:
    """Infer every input through run; count right, wrong and failed results."""
    tally = FaultTally()
    for sample, want in zip(inputs, expected, strict=True):
        try:
            got = run.infer(sample).output
        except InfrastructureError:
            tally.failed += 1
            continue
        if got == want:
            tally.correct += 1
        else:
            tally.wrong += 1
    tally.retries = run.retries
    return tally
