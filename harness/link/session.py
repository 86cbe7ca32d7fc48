"""A live session with a board's agent: framed requests over a link.

Sequence numbers pair answers with requests; stale answers (to a request
that already timed out) are dropped. Bulk transfers keep up to the agent's
rx_window requests in flight instead of waiting for each acknowledgement.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from harness.errors import AgentTimeout, DeviceError, ProtocolError
from harness.link import messages as m
from harness.link.frames import Frame, FrameDecoder, encode_frame
from harness.link.links import Link
from harness.link.messages import Msg
from harness.link.timeouts import Timeouts

T = TypeVar("T")
# Tries per request before the caller's recovery (resync, reset, reflash)
# takes over: a lost or damaged frame costs a retry, not a run.
ATTEMPTS = 6
TIMEOUT_ATTEMPTS = 2


@dataclass(frozen=True)
class Inference:
    output: bytes
    ticks: int
    profile: tuple[m.OpProfile, ...]


class AgentSession:
    def __init__(
        self, link: Link, name: str = "board", timeouts: Timeouts | None = None, attempts: int = ATTEMPTS
    ):
        self.attempts = attempts
        self.retries = 0
        self.link = link
        self.name = name
        self.timeouts = timeouts or Timeouts()
        self.decoder = FrameDecoder()
        self.logs: list[str] = []
        self.info: m.Hello | None = None
        self._inbox: deque[Frame] = deque()
        self._seq = random.randrange(1, 0xFFFF)
        self._slowest_infer = 0.0

    # -- framing ---------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq = self._seq % 0xFFFF + 1  # 1..0xFFFF; 0 is the agent's LOG
        return self._seq

    def _send(self, msg: Msg, payload: bytes = b"") -> int:
        seq = self._next_seq()
        self.link.write(encode_frame(Frame(int(msg), seq, payload)))
        return seq

    def _frames(self, deadline: float, what: str) -> Iterator[Frame]:
        """Frames as they arrive, until the caller stops or the deadline passes.

        Decoded frames wait in an inbox, so a caller that stops after one
        frame loses none of the others that came in the same read.
        """
        while True:
            while self._inbox:
                yield self._inbox.popleft()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AgentTimeout(f"{self.name}: no answer to {what} in time")
            bad_before = self.decoder.bad_frames
            for frame in self.decoder.feed(self.link.read(min(remaining, 0.2))):
                if frame.type == Msg.LOG:
                    self.logs.append(frame.payload.decode("utf-8", "replace"))
                elif frame.type == Msg.ERROR and frame.seq == 0:
                    raise ProtocolError(f"{self.name}: the agent received a damaged frame during {what}")
                else:
                    self._inbox.append(frame)
            if self.decoder.bad_frames != bad_before:
                raise ProtocolError(f"{self.name}: damaged frame from the agent during {what}")

    @staticmethod
    def _raise_if_error(frame: Frame) -> None:
        if frame.type == Msg.ERROR:
            code, message = m.parse_error(frame.payload)
            raise DeviceError(code, message)

    def _retrying(self, action: Callable[[], T]) -> T:
        """Retry a whole request after a lost or damaged frame.

        Safe because every request is idempotent; an ERROR answer from the
        agent is a real answer and is not retried here. A damaged frame is
        noticed at once and retried up to `attempts` times; silence costs a
        whole timeout, so it is retried only TIMEOUT_ATTEMPTS times before
        the caller's recovery (resync, reset, reflash) takes over.
        """
        damaged = silent = 0
        while True:
            try:
                return action()
            except AgentTimeout:
                silent += 1
                if silent >= TIMEOUT_ATTEMPTS or damaged + silent >= self.attempts:
                    raise
            except ProtocolError:
                damaged += 1
                if damaged + silent >= self.attempts:
                    raise
            self.retries += 1

    def request(self, msg: Msg, payload: bytes = b"", timeout: float | None = None) -> bytes:
        """One request, one answer; returns the answer's payload."""
        return self._retrying(lambda: self._request_once(msg, payload, timeout))

    def _request_once(self, msg: Msg, payload: bytes, timeout: float | None) -> bytes:
        seq = self._send(msg, payload)
        deadline = time.monotonic() + (timeout or self.timeouts.reply(len(payload) + 64))
        for frame in self._frames(deadline, msg.name):
            if frame.seq != seq:
                continue  # a late answer to an earlier, abandoned request
            self._raise_if_error(frame)
            if frame.type != m.response_type(msg):
                raise ProtocolError(f"{self.name}: {msg.name} answered with type {frame.type:#x}")
            return frame.payload
        raise AssertionError("unreachable")

    def _stream(self, msg: Msg, chunks: list[bytes]) -> None:
        """Send acknowledged requests with up to rx_window of them in flight."""
        window = self.info.rx_window if self.info else 1
        pending: set[int] = set()
        queue = list(reversed(chunks))
        step = self.timeouts.reply(max((len(c) for c in chunks), default=0) * max(window, 1))
        deadline = time.monotonic() + step
        while queue or pending:
            while queue and len(pending) < max(window, 1):
                pending.add(self._send(msg, queue.pop()))
            for frame in self._frames(deadline, msg.name):
                if frame.seq in pending:
                    self._raise_if_error(frame)
                    pending.discard(frame.seq)
                    deadline = time.monotonic() + step
                    break

    def _chunks(self, data: bytes) -> list[bytes]:
        step = (self.info.max_payload if self.info else 256) - 4
        return [m.offset_data(off, data[off : off + step]) for off in range(0, len(data), step)]

    # -- requests --------------------------------------------------------
    def hello(self, run_id: int | None = None, timeout: float | None = None) -> m.Hello:
        run_id = random.getrandbits(32) if run_id is None else run_id
        info = m.parse_hello(self.request(Msg.HELLO, m.hello(run_id), timeout))
        if info.run_id != run_id:
            raise ProtocolError(f"{self.name}: HELLO answered run id {info.run_id:#x}, sent {run_id:#x}")
        if info.proto_version != m.PROTOCOL_VERSION:
            raise ProtocolError(
                f"{self.name}: agent speaks protocol {info.proto_version}, "
                f"harness speaks {m.PROTOCOL_VERSION}"
            )
        self.info = info
        return info

    def load_model(self, model: bytes) -> m.ModelInfo:
        """Send the model over the link into the slot, verified by SHA-256."""
        self.request(Msg.LOAD_BEGIN, m.load_begin(len(model), hashlib.sha256(model).digest()))
        self._stream(Msg.LOAD_CHUNK, self._chunks(model))
        return m.parse_model_info(self.request(Msg.LOAD_END))

    def verify_slot(self, model: bytes) -> m.ModelInfo:
        """Check that the flashed slot holds this model, then load it."""
        payload = m.load_begin(len(model), hashlib.sha256(model).digest())
        return m.parse_model_info(self.request(Msg.SLOT_VERIFY, payload))

    def infer(
        self, tensor: bytes, profile: bool = False, timeout: float | None = None, carry_state: bool = False
    ) -> Inference:
        """Send the input, run the model, collect the output (retried as a whole).

        A stateful model's state is reset first unless `carry_state`: then the
        inference continues a sequence and is sent once, never retried (a
        retry would advance the state twice)."""
        if carry_state:
            return self._infer_once(tensor, profile, timeout, carry_state)
        return self._retrying(lambda: self._infer_once(tensor, profile, timeout, carry_state))

    def _infer_once(
        self, tensor: bytes, profile: bool, timeout: float | None, carry_state: bool = False
    ) -> Inference:
        started = time.monotonic()
        max_payload = self.info.max_payload if self.info else 0
        if len(tensor) + 1 <= max_payload:
            seq = self._send(Msg.INFER, m.infer(profile, not carry_state) + tensor)  # input inline
        else:
            self._stream(Msg.INPUT, self._chunks(tensor))
            seq = self._send(Msg.INFER, m.infer(profile, not carry_state))
        deadline = time.monotonic() + (timeout or self.timeouts.infer(2 * len(tensor)))
        output = bytearray()
        for frame in self._frames(deadline, "INFER"):
            if frame.seq != seq:
                continue
            self._raise_if_error(frame)
            if frame.type == m.response_type(Msg.OUTPUT):
                offset, data = m.parse_offset_data(frame.payload)
                if offset != len(output):
                    raise ProtocolError(f"{self.name}: OUTPUT at offset {offset}, expected {len(output)}")
                output += data
            elif frame.type == m.response_type(Msg.INFER):
                result = m.parse_infer_result(frame.payload)
                if result.status or result.output_len != len(output):
                    raise ProtocolError(
                        f"{self.name}: INFER status {result.status}, "
                        f"{len(output)} of {result.output_len} output bytes"
                    )
                self._learn(time.monotonic() - started)
                return Inference(bytes(output), result.ticks, result.profile)
        raise AssertionError("unreachable")

    def _learn(self, seconds: float) -> None:
        """Bound later inferences by the slowest one seen, not by the first guess."""
        self._slowest_infer = max(self._slowest_infer, seconds)
        self.timeouts = self.timeouts.learned(self._slowest_infer)

    def resync(self) -> m.Hello:
        """After garbage, a reset or a lost frame: drain, forget, handshake anew."""
        self.link.drain()
        self.decoder.reset()
        self._inbox.clear()
        return self.hello()

    def stats(self) -> m.Stats:
        return m.parse_stats(self.request(Msg.STATS))

    def echo(self, data: bytes) -> bytes:
        return self.request(Msg.ECHO, data)

    def reset(self) -> None:
        self.request(Msg.RESET)
        self.info = None
