"""A session with a device that speaks the MLPerf Tiny (EEMBC) device API.

Commands go out as text ending in `%`; every answer ends with `m-ready`.
The line is text, so there is no frame to check: a reply with unprintable
bytes is garbage, a banner (`m-init-done`, `m-timestamp-mode-...`) in the
middle of an answer means the device reset, silence past the derived bound
means it hung. Each is retried (after a resynchronisation: drain, `name%`
until `m-ready`) within limits; an `e-[...]` about the model is not.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from harness.errors import INFRASTRUCTURE, MODEL, AgentTimeout, FarmError, ProtocolError
from harness.link import eembc_replies as er
from harness.link.eembc_replies import Reply
from harness.link.links import Link
from harness.link.timeouts import Timeouts

T = TypeVar("T")
ATTEMPTS = 4
RESULTS_BYTES = 16 * 12  # a generous answer line: 12 classes of "-0.000,"


class EembcError(FarmError):
    """The device answered `e-[...]`: its text, classified model or infrastructure."""

    def __init__(self, board: str, command: str, text: str):
        self.text = text
        self.error_class = er.error_class(text)
        kind = "model" if self.error_class == MODEL else "device"
        super().__init__(f"{board}: {kind} error on `{command}%`: e-[{text}]")


@dataclass(frozen=True)
class EembcInference:
    results: tuple[float, ...]
    decimals: int  # printed decimals: the resolution of the results
    elapsed_us: int | None  # between the two m-lap-us around the N timed inferences
    iterations: int
    warmups: int


class EembcSession:
    def __init__(self, link: Link, name: str = "board", timeouts: Timeouts | None = None):
        self.link = link
        self.name = name
        self.timeouts = timeouts or Timeouts()
        self.lines = er.LineSplitter()
        self.logs: list[str] = []  # free text and banners the device printed
        self.retries = 0
        self.resyncs = 0
        self.device_name: str | None = None
        self.profile: dict[str, str] = {}
        self.payload_bytes = 0  # input and result bytes the protocol carried
        self._slowest_s = 0.0

    # -- one command -----------------------------------------------------
    def command(self, text: str, timeout: float | None = None, booting: bool = False) -> list[Reply]:
        """Send `text%` and collect the replies up to m-ready (excluded).

        A boot banner is a reset mid-answer, unless the device may be `booting`."""
        if len(text) > er.MAX_COMMAND or er.TERMINATOR in text:
            raise ValueError(f"not a device API command: {text[:40]!r}")
        self.link.write(f"{text}{er.TERMINATOR}".encode("ascii"))
        deadline = time.monotonic() + (timeout or self.timeouts.reply(len(text) + RESULTS_BYTES))
        replies: list[Reply] = []
        while True:
            for line in self._lines(deadline, text):
                reply = self._parse(line, text)
                if reply.kind == "ready":
                    return self._checked(replies, text)
                if reply.kind in ("init_done", "timestamp_mode") and not booting:
                    raise ProtocolError(f"{self.name}: the device reset during `{text}%` ({line})")
                if reply.kind == "other":
                    self.logs.append(line)
                replies.append(reply)

    def _lines(self, deadline: float, what: str) -> list[str]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AgentTimeout(f"{self.name}: no m-ready after `{what}%` in time")
        return self.lines.feed(self.link.read(min(remaining, 0.2)))

    def _parse(self, line: str, what: str) -> Reply:
        try:
            return er.parse_line(line)
        except er.Garbage as exc:
            raise ProtocolError(f"{self.name}: garbage in the answer to `{what}%`: {exc}") from None

    def _checked(self, replies: list[Reply], text: str) -> list[Reply]:
        for reply in replies:
            if reply.kind == "error":
                raise EembcError(self.name, text, str(reply.value))
        return replies

    # -- recovery --------------------------------------------------------
    def resync(self) -> None:
        """After garbage, a reset or silence: drain, then `name%` until a clean m-ready."""
        self.resyncs += 1
        self.link.drain()
        self.lines.reset()
        self.hello()

    def _retrying(self, action: Callable[[], T]) -> T:
        """Retry a whole step after an infrastructure failure; never a model error."""
        for attempt in range(ATTEMPTS):
            try:
                return action()
            except FarmError as exc:
                if exc.error_class != INFRASTRUCTURE or attempt == ATTEMPTS - 1:
                    raise
            self.retries += 1
            self._resync_quietly()
        raise AssertionError("unreachable")

    def _resync_quietly(self) -> None:
        with contextlib.suppress(AgentTimeout, ProtocolError):
            self.resync()  # when it fails, the next attempt reports what is still wrong

    # -- the API -----------------------------------------------------------
    def hello(self, timeout: float | None = None) -> str:
        """`name%` (and `profile%`): the device's name, once it answers cleanly."""
        for _ in range(2):  # a device that just booted ends its banner with m-ready: ask again
            for reply in self.command("name", timeout, booting=True):
                if reply.kind == "name":
                    self.device_name = str(reply.value)
            if self.device_name is not None:
                break
        if self.device_name is None:
            raise ProtocolError(f"{self.name}: `name%` answered without m-name-...")
        for reply in self.command("profile"):
            if reply.kind in ("profile", "model"):
                self.profile[reply.kind] = str(reply.value)
        return self.device_name

    def load(self, data: bytes) -> None:
        """`db load N` then `db HEX...` chunks; the device confirms with m-load-done."""
        replies: list[Reply] = []
        for text in er.db_commands(data):
            replies += self.command(text)
        if not any(r.kind == "load_done" for r in replies):
            raise ProtocolError(f"{self.name}: {len(data)} bytes sent, no m-load-done")
        self.payload_bytes += len(data)

    def infer(self, iterations: int = 1, warmups: int = 0) -> EembcInference:
        """`infer N W`: N timed inferences after W warmups, results of the last."""
        text = er.infer_command(iterations, warmups)
        more = iterations + warmups - 1  # infer() bounds one inference; the others add theirs
        bound = self.timeouts.infer(RESULTS_BYTES) + 4 * more * self.timeouts.expected_infer_s
        replies = self.command(text, min(bound, self.timeouts.ceiling))
        results = [r for r in replies if r.kind == "results"]
        if not results:  # the reference API prints them after `infer`; some firmware only on `results%`
            results = [r for r in self.command("results") if r.kind == "results"]
        if not results:
            raise ProtocolError(f"{self.name}: neither `{text}%` nor `results%` answered m-results-[...]")
        elapsed = er.elapsed_us(replies)
        if elapsed is not None:
            self._learn(elapsed / 1e6 / iterations)
        values = results[-1].value
        assert isinstance(values, tuple)
        self.payload_bytes += 4 * len(values)
        return EembcInference(values, er.results_decimals(results[-1].text), elapsed, iterations, warmups)

    def run(self, data: bytes, iterations: int = 1, warmups: int = 0) -> EembcInference:
        """Load one input and infer, retried as a whole after a link failure."""

        def once() -> EembcInference:
            self.load(data)
            return self.infer(iterations, warmups)

        return self._retrying(once)

    def _learn(self, seconds: float) -> None:
        """Bound later inferences by the slowest measured one (never under 1 ms)."""
        self._slowest_s = max(self._slowest_s, seconds)
        self.timeouts = self.timeouts.learned(self._slowest_s)

    def wire_efficiency(self) -> float | None:
        """Payload (input bytes, 4 bytes a result) over every byte on the link both ways."""
        wire = self.link.bytes_written + self.link.bytes_read
        return self.payload_bytes / wire if wire else None
