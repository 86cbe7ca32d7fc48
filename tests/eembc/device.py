"""An independent MLPerf Tiny device in Python, served on a pty, for tests.

It follows the published device API (benchmark/api in mlcommons/tiny):
commands end with '%', every answer ends with m-ready, `db load N` then
`db HEX` fill a byte buffer, `infer N W` prints m-warmup-*, m-infer-start,
two m-lap-us around the N inferences, m-infer-done and the results,
`results` prints m-results-[...] with three decimals as th_results does.

Its "model" is a fixed rule, not the engine: class = sum of the input's
int8 values modulo `classes`, answered as a probability vector. Faults
(garbage, silence during infer, an e-[...] error, a reset) are scripted.
"""

from __future__ import annotations

import os
import threading
import tty
from dataclasses import dataclass, field

import numpy as np


def rule(sample: bytes, classes: int) -> int:
    """The device's model: which class it answers for an input."""
    return int(np.frombuffer(sample, dtype=np.int8).astype(np.int64).sum()) % classes


@dataclass
class Faults:
    garbage_on_infer: int = 0  # infers answered with binary garbage instead
    silent_on_infer: int = 0  # infers never answered (a hang)
    error_on_infer: str | None = None  # every infer answered e-[this]
    reset_on_infer: int = 0  # infers answered with a reboot banner
    seen: list[str] = field(default_factory=list)


class MlperfTinyDevice:
    def __init__(self, classes: int = 10, us_per_inference: int = 1500, faults: Faults | None = None):
        self.classes = classes
        self.us_per_inference = us_per_inference
        self.faults = faults or Faults()
        self.buffer = bytearray()
        self.expected = 0
        self.result: list[float] | None = None
        self.clock_us = 1_000_000  # a virtual microsecond timer
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self._slave = slave
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> MlperfTinyDevice:
        self.say("m-timestamp-mode-performance", f"m-lap-us-{self.clock_us}", "m-init-done", "m-ready")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        os.close(self.master)
        os.close(self._slave)

    def say(self, *lines: str) -> None:
        os.write(self.master, "".join(f"{line}\r\n" for line in lines).encode())

    def _serve(self) -> None:
        import select

        command = b""
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            for byte in os.read(self.master, 4096):
                if byte == ord("%"):
                    self.handle(command.decode("ascii", "replace"))
                    command = b""
                elif len(command) < 80:
                    command += bytes([byte])

    def handle(self, text: str) -> None:
        self.faults.seen.append(text)
        words = text.split()
        if not words:
            self.say("m-ready")
            return
        verb, args = words[0], words[1:]
        if verb == "infer" and self._fault():
            return
        answer = {
            "name": lambda: ["m-name-dut-[scripted-mlperf-tiny]"],
            "profile": lambda: ["m-profile-[ULPMark for tinyML Firmware V0.0.1]", "m-model-[ic01]"],
            "timestamp": lambda: [f"m-lap-us-{self.clock_us}"],
            "db": lambda: self.db(args),
            "infer": lambda: self.infer(args),
            "results": self.results,
        }.get(verb, lambda: [f"e-[Unknown command: {verb}]"])()
        self.say(*answer, "m-ready")

    def _fault(self) -> bool:
        f = self.faults
        if f.garbage_on_infer:
            f.garbage_on_infer -= 1
            os.write(self.master, bytes([0x00, 0xFF, 0x81, 0x07, 0xFE]) * 20 + b"\r\n")
            return True
        if f.silent_on_infer:
            f.silent_on_infer -= 1
            return True
        if f.reset_on_infer:
            f.reset_on_infer -= 1
            self.buffer.clear()
            self.say("m-warmup-start-0", "m-timestamp-mode-performance", "m-init-done", "m-ready")
            return True
        if f.error_on_infer:
            self.say(f"e-[{f.error_on_infer}]", "m-ready")
            return True
        return False

    def db(self, args: list[str]) -> list[str]:
        if not args:
            return ["e-[Command 'db' requires a subcommand]"]
        if args[0] == "load":
            self.expected = int(args[1]) if len(args) > 1 and args[1].isdigit() else 0
            self.buffer.clear()
            if not self.expected:
                return ["e-[Command 'db load' must be >0 bytes]"]
            return [f"m-[Expecting {self.expected} bytes]"]
        hexdigits = args[0]
        if len(hexdigits) % 2:
            return ["e-[Insufficent number of hex digits]"]
        for i in range(0, len(hexdigits), 2):
            try:
                self.buffer.append(int(hexdigits[i : i + 2], 16))
            except ValueError:
                return [f"e-[Invalid hex digit '{hexdigits[i : i + 2]}']"]
            if len(self.buffer) == self.expected:
                return ["m-load-done"]
        return []

    def infer(self, args: list[str]) -> list[str]:
        n = int(args[0]) if args else 1
        w = int(args[1]) if len(args) > 1 else 10
        if n <= 0:
            return ["e-[Inference iterations must be >0]"]
        self.clock_us += w * self.us_per_inference
        start = self.clock_us
        self.clock_us += n * self.us_per_inference
        winner = rule(bytes(self.buffer), self.classes)
        self.result = [0.9 if k == winner else 0.1 / (self.classes - 1) for k in range(self.classes)]
        lines = [f"m-warmup-start-{w}", "m-warmup-done", f"m-infer-start-{n}", f"m-lap-us-{start}"]
        return [*lines, f"m-lap-us-{self.clock_us}", "m-infer-done", *self.results()]

    def results(self) -> list[str]:
        if self.result is None:
            return ["e-[No results]"]
        # th_results: "0.%d%d%d" of the value times 10, 100, 1000 (truncated, as the reference prints)
        digits = [f"0.{int(v * 10)}{int(v * 100) % 10}{int(v * 1000) % 10}" for v in self.result]
        return ["m-results-[" + ",".join(digits) + "]"]


def dataset(samples: int, classes: int = 10, length: int = 49, wrong: int = 0, seed: int = 7):
    """int8 inputs and labels: the rule's class, except for the first `wrong` samples."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, size=(samples, length), dtype=np.int8)
    y = np.array([rule(row.tobytes(), classes) for row in x], dtype=np.int64)
    y[:wrong] = (y[:wrong] + 1) % classes
    return x, y
