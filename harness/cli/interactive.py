"""`farm console`: one board, live, by hand.

What the board says arrives as it comes: the agent's LOG frames as text, and
any bytes that are not frames (a boot banner, a fault handler's printf) as
they are. Lines typed are commands:

    hello            the agent's HELLO (board, port, build, limits)
    stats            arena, stack high-water mark, frames counted
    echo TEXT        sent as an ECHO request; the answer is printed
    infer FILE.npy   one inference with the loaded model (--model)
    help

Escape keys, after Ctrl-] : r reset the board, f reflash it (and reload the
model), q quit. The terminal is put back as it was on every way out.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import sys
import termios
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from harness.backends import BoardBackend
from harness.boards.firmware import FirmwareImage
from harness.errors import FarmError
from harness.link import messages as m
from harness.link.frames import decode_body
from harness.link.links import Link
from harness.link.session import AgentSession
from harness.run.runner import HANDSHAKE_ATTEMPTS

ESCAPE = 0x1D  # Ctrl-]
PROMPT = "farm> "
HELP = "commands: hello | stats | echo TEXT | infer FILE.npy | help;  Ctrl-] then r reset, f reflash, q quit"


class OutputSplitter:
    """Separates the agent's frames from other bytes on the line.

    Frames end at 0x00. A block that is not a valid frame is text, except
    that its tail may still be a whole frame (text glued to a frame).
    Bytes with no 0x00 after them are text once the line goes quiet.
    """

    def __init__(self) -> None:
        self.pending = bytearray()

    def feed(self, data: bytes) -> Iterator[tuple[str, Any]]:
        """("log", text), ("text", bytes) and ("frame", Frame) events."""
        self.pending += data
        while (end := self.pending.find(0)) >= 0:
            block = bytes(self.pending[:end])
            del self.pending[: end + 1]
            if block:
                yield from self._block(block)

    def _block(self, block: bytes) -> Iterator[tuple[str, Any]]:
        for start in range(len(block)):
            try:
                frame = decode_body(block[start:])
            except ValueError:
                continue
            if start:
                yield ("text", block[:start])
            if frame.type == m.Msg.LOG:
                yield ("log", frame.payload.decode("utf-8", "replace"))
            else:
                yield ("frame", frame)
            return
        yield ("text", block)

    def idle(self) -> Iterator[tuple[str, Any]]:
        if self.pending:
            text, self.pending = bytes(self.pending), bytearray()
            yield ("text", text)


class Console:
    def __init__(
        self,
        backend: BoardBackend,
        firmware: FirmwareImage,
        model: bytes | None,
        stdin: IO[bytes] | None = None,
        write: Callable[[str], None] | None = None,
    ):
        self.backend = backend
        self.firmware = firmware
        self.model = model
        self.name = backend.board.name
        self.stdin_fd = (stdin or sys.stdin.buffer).fileno()
        self._write = write or self._stdout
        self.link: Link | None = None
        self.session: AgentSession | None = None
        self.model_info: m.ModelInfo | None = None
        self.splitter = OutputSplitter()
        self.line = bytearray()
        self.escaped = False
        self.done = False

    # -- output ----------------------------------------------------------
    @staticmethod
    def _stdout(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def say(self, text: str) -> None:
        """A line of output above the prompt and what is typed so far."""
        self._write("\r\x1b[K" + text + "\n" + PROMPT + self.line.decode(errors="replace"))

    def show(self, events: Iterator[tuple[str, Any]]) -> None:
        for kind, value in events:
            if kind == "log":
                self.say(f"[log] {value.rstrip()}")
            elif kind == "text":
                self.say(value.decode("utf-8", "replace").rstrip("\r\n"))
            # a frame nobody asked for (a late answer) is dropped

    def show_logs(self) -> None:
        if self.session is not None:
            for text in self.session.logs:
                self.say(f"[log] {text.rstrip()}")
            self.session.logs.clear()

    # -- board -----------------------------------------------------------
    def start(self, flash: bool = True) -> None:
        """Flash (or restart) the board, open the link, handshake, load the model."""
        if self.link is not None:
            self.link.close()
            self.link = None
        if flash:
            self.backend.flash(self.firmware, self.model)
        self.link = self.backend.open_link()
        self.backend.link_opened()
        self.session = AgentSession(self.link, self.name)
        self.handshake()

    def handshake(self) -> None:
        assert self.session is not None
        last: Exception | None = None
        for _ in range(HANDSHAKE_ATTEMPTS):
            try:
                hello = self.session.resync()
                break
            except FarmError as exc:
                last = exc
        else:
            raise FarmError(f"{self.name}: no answer to HELLO: {last}")
        self.show_logs()
        if self.model is not None:
            if hello.has(m.Capability.SLOT_VERIFY):
                try:
                    self.model_info = self.session.verify_slot(self.model)
                except FarmError:
                    self.model_info = self.session.load_model(self.model)
            else:
                self.model_info = self.session.load_model(self.model)
        build = hello.build_id.hex()[:12] or "-"
        loaded = (
            f", model {self.model_info.input.dims}->{self.model_info.output.dims}" if self.model_info else ""
        )
        self.say(f"[{self.name}] agent {hello.port} build {build} at {hello.clock_hz / 1e6:g} MHz{loaded}")

    def reset(self) -> None:
        self.say(f"[{self.name}] reset")
        assert self.session is not None
        if type(self.backend).reset is not BoardBackend.reset:
            self.backend.reset()  # a hard reset the backend can do
        else:
            self.session.reset()  # the agent's RESET request
        self.handshake()

    def reflash(self) -> None:
        self.say(f"[{self.name}] reflash")
        self.start(flash=True)

    # -- input -----------------------------------------------------------
    def command(self, text: str) -> None:
        assert self.session is not None
        words = shlex.split(text) if text.strip() else []
        if not words:
            return
        verb, rest = words[0], text.strip()[len(words[0]) :].strip()
        if verb == "help":
            self.say(HELP)
        elif verb == "hello":
            info = self.session.hello()
            self.say(
                f"board {info.board} port {info.port} build {info.build_id.hex()[:12] or '-'} "
                f"clock {info.clock_hz:,} Hz max_payload {info.max_payload} rx_window {info.rx_window} "
                f"arena {info.arena_size:,} B slot {info.model_slot_size:,} B"
            )
        elif verb == "stats":
            stats = self.session.stats()
            self.say(", ".join(f"{k} {v}" for k, v in vars(stats).items()))
        elif verb == "echo":
            answer = self.session.echo(rest.encode())
            self.say(f"echo: {answer.decode('utf-8', 'replace')}")
        elif verb == "infer":
            self.infer(Path(rest))
        else:
            self.say(f"unknown command {verb!r}; {HELP}")
        self.show_logs()

    def infer(self, path: Path) -> None:
        assert self.session is not None
        if self.model_info is None:
            self.say("no model loaded: start the console with --model NAME")
            return
        tensor = np.load(path, allow_pickle=False)
        spec = self.model_info.input
        data = np.ascontiguousarray(tensor.astype(spec.dtype, copy=False)).tobytes()
        result = self.session.infer(data)
        out = np.frombuffer(result.output, dtype=self.model_info.output.dtype)
        self.say(f"output {out.tolist()} ticks {result.ticks:,}")

    def key(self, byte: int) -> None:
        if self.escaped:
            self.escaped = False
            action = {ord("r"): self.reset, ord("f"): self.reflash, ord("q"): self.quit}.get(byte | 0x20)
            if action is not None:
                action()
            else:
                self.say("Ctrl-] then r reset, f reflash, q quit")
            return
        if byte == ESCAPE:
            self.escaped = True
        elif byte in (0x0D, 0x0A):
            text, self.line = self.line.decode("utf-8", "replace"), bytearray()
            self._write("\n")
            try:
                self.command(text)
            except FarmError as exc:
                self.say(f"error: {exc}")
            self._write("\r\x1b[K" + PROMPT)
        elif byte in (0x7F, 0x08):
            if self.line:
                self.line = self.line[:-1]
                self._write("\b \b")
        elif byte == 0x04 and not self.line:  # Ctrl-D on an empty line
            self.quit()
        elif byte >= 0x20:
            self.line.append(byte)
            self._write(chr(byte) if byte < 0x80 else "")

    def quit(self) -> None:
        self.done = True

    # -- loop ------------------------------------------------------------
    def loop(self) -> None:
        self._write(f"\r\x1b[K[{self.name}] console: {HELP}\n{PROMPT}")
        while not self.done:
            assert self.link is not None
            ready, _, _ = select.select([self.stdin_fd], [], [], 0.02)
            if ready:
                data = os.read(self.stdin_fd, 1024)
                if not data:
                    break  # stdin closed
                for byte in data:
                    self.key(byte)
                    if self.done:
                        break
                continue
            chunk = self.link.read(0.03)
            self.show(self.splitter.feed(chunk) if chunk else self.splitter.idle())

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None


@contextlib.contextmanager
def raw_terminal(fd: int) -> Iterator[None]:
    """Keys one at a time, no echo (the console echoes), signals kept; always restored."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
