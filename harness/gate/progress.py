"""Progress of long work where a person or a CI log can see it.

On a terminal: one status line rewritten in place (board × model, samples
done/total, rate and ETA). Without one (CI): a plain line when each board ×
model starts and ends, so a log shows where a long run is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Write = Callable[[str], None]
REFRESH_S = 0.2


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


class Progress:
    def __init__(self, write: Write, tty: bool, clock: Callable[[], float] = time.monotonic):
        self.write = write
        self.tty = tty
        self.clock = clock
        self._started: dict[str, float] = {}
        self._last_drawn = 0.0

    def note(self, text: str) -> None:
        """A phase worth a line of its own (a firmware build, a boot)."""
        self.write(f"tinyfarm: {text}\n")

    def start(self, pair: str, total: int) -> None:
        self._started[pair] = self.clock()
        if self.tty:
            self.write(f"\ntinyfarm: {pair}: 0/{total} samples")
        else:
            self.write(f"tinyfarm: start {pair} ({total} samples)\n")

    def advance(self, pair: str, done: int, total: int) -> None:
        if not self.tty:
            return
        now = self.clock()
        if now - self._last_drawn < REFRESH_S and done < total:
            return
        self._last_drawn = now
        elapsed = now - self._started.get(pair, now)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = f", ETA {_duration((total - done) / rate)}" if rate and done < total else ""
        self.write(f"\r\x1b[2Ktinyfarm: {pair}: {done}/{total} samples ({rate:.1f}/s{eta})")

    def end(self, pair: str, verdict: str) -> None:
        now = self.clock()
        elapsed = now - self._started.pop(pair, now)
        prefix = "\r\x1b[2K" if self.tty else ""
        self.write(f"{prefix}tinyfarm: end {pair}: {verdict} in {_duration(elapsed)}\n")
