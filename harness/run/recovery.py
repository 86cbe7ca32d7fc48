"""Escalating recovery for infrastructure failures during a run.

A failed request is retried after a resync (drain the link, handshake with a
fresh run id, re-verify the model if the board lost it); when resyncs do not
help, the board is hard-reset; when that does not help, it is reflashed
(restarted). Model failures (the agent rejects the model) are never retried.
Every request is idempotent (docs/protocol.md), so a retry cannot count a
sample twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy.typing as npt

from harness.errors import MODEL, DeviceError, FarmError, InfrastructureError
from harness.link import messages as m
from harness.link.session import Inference
from harness.run.board_run import BoardRun

if TYPE_CHECKING:
    from harness.backends import BoardBackend
    from harness.boards.firmware import FirmwareImage
    from harness.run.board_run import LinkWrapper

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    resyncs: int = 6  # per failing request, before a hard reset
    resets: int = 1  # then hard resets
    reflashes: int = 1  # then reflash / restart the board

    def steps(self) -> Iterator[str]:
        """What to do before each attempt: nothing, then escalating recoveries."""
        yield "first"
        yield from ["resync"] * self.resyncs
        yield from ["reset"] * self.resets
        yield from ["reflash"] * self.reflashes


class RecoveringRun:
    """A BoardRun whose requests survive lost frames, resets and hangs."""

    def __init__(
        self,
        backend: BoardBackend,
        firmware: FirmwareImage,
        model: bytes,
        policy: RetryPolicy,
        wrap: LinkWrapper | None = None,
    ):
        self.backend = backend
        self.firmware = firmware
        self.model = model
        self.policy = policy
        self.wrap = wrap
        self.recoveries: list[str] = []
        self._retired_session_retries = 0  # from sessions closed by a reflash
        self._run: BoardRun | None = None

    def start(self) -> None:
        self._run = self._attempt(
            lambda: BoardRun(self.backend, self.firmware, self.model, self.wrap), "boot"
        )

    @property
    def retries(self) -> int:
        """Requests re-sent by the sessions plus recovery steps taken."""
        current = self._run.session.retries if self._run is not None else 0
        return self._retired_session_retries + current + len(self.recoveries)

    @property
    def run(self) -> BoardRun:
        assert self._run is not None, "start() first"
        return self._run

    @property
    def hello(self) -> m.Hello:
        return self.run.hello

    @property
    def model_info(self) -> m.ModelInfo:
        return self.run.model_info

    def infer(self, sample: npt.NDArray[Any], profile: bool = False, carry_state: bool = False) -> Inference:
        """One sample, recovered on failure; a sample that carries state over from the
        previous one gets one attempt (a recovery would lose or repeat the state)."""
        steps = iter(["first"]) if carry_state else None
        return self._attempt(lambda: self.run.infer(sample, profile, carry_state), "INFER", steps)

    def stats(self) -> m.Stats:
        return self._attempt(lambda: self.run.session.stats(), "STATS")

    def link_bytes(self) -> dict[str, int]:
        return {"written": self.run.link.bytes_written, "read": self.run.link.bytes_read}

    def _attempt(self, action: Callable[[], T], what: str, steps: Iterator[str] | None = None) -> T:
        last: FarmError | None = None
        for step in steps or self.policy.steps():
            try:
                if step != "first":
                    self._recover(step)
                return action()
            except DeviceError as exc:
                if exc.error_class == MODEL:
                    raise
                last = exc
            except InfrastructureError as exc:
                last = exc
        name = self.backend.board.name
        raise InfrastructureError(f"board {name}: {what} failed after {self.retries} retries: {last}")

    def _recover(self, step: str) -> None:
        self.recoveries.append(step)
        if step == "reflash" or self._run is None:
            if self._run is not None:
                self._retired_session_retries += self._run.session.retries
                self._run.close()
                self._run = None
            self._run = BoardRun(self.backend, self.firmware, self.model, self.wrap)
            return
        if step == "reset":
            self.backend.reset()
        hello = self.run.session.resync()
        self.run.hello = hello
        if hello.model_sha256 != _sha256(self.model):
            self.run.model_info = self.run.load_model()

    def close(self) -> None:
        if self._run is not None:
            self._run.close()
            self._run = None
        self.backend.close()


def _sha256(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()
