"""A booted board with a model loaded and a live session: flash, open the
link, handshake (HELLO, then the model verified in its slot or loaded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.backends import BoardBackend
from harness.boards import fit
from harness.boards.engine_ops import stateful
from harness.boards.firmware import FirmwareImage
from harness.errors import MODEL, AgentTimeout, DeviceError, FlashError, ProtocolError
from harness.link import messages as m
from harness.link.links import Link
from harness.link.session import AgentSession, Inference
from harness.link.timeouts import Timeouts

LinkWrapper = Callable[[Link], Link]
SHA_MISMATCH = 7  # protocol ERROR code: the slot holds another model
UNSUPPORTED = 5  # protocol ERROR code: the agent cannot run the model
HANDSHAKE_ATTEMPTS = 4  # a noisy link may spoil a HELLO or two


class BoardRun:
    """A booted board with a model loaded and a live session, as a context manager."""

    def __init__(
        self, backend: BoardBackend, firmware: FirmwareImage, model: bytes, wrap: LinkWrapper | None = None
    ):
        self.backend = backend
        self.firmware = firmware
        self.model = model
        self.wrap = wrap
        timeouts = Timeouts(link_bytes_per_s=backend.link_bytes_per_s, factor=backend.board.timeout_factor)
        try:
            self._start(timeouts.for_model(len(model)))
        except BaseException:
            # never leave an emulator, a process or a port behind
            if getattr(self, "link", None) is not None:
                self.link.close()
            backend.close()
            raise

    def _start(self, timeouts: Timeouts) -> None:
        backend, firmware = self.backend, self.firmware
        fit.check_flash(backend.board, firmware, len(self.model))
        backend.flash(firmware, self.model)
        link = backend.open_link()
        self.link = self.wrap(link) if self.wrap else link
        backend.link_opened()
        self.session = AgentSession(self.link, backend.board.name, timeouts)
        last: Exception | None = None
        for attempt in range(HANDSHAKE_ATTEMPTS):
            try:
                self._handshake(timeouts.boot() if attempt == 0 else None)
                return
            except DeviceError as exc:
                if exc.error_class == MODEL:
                    restated = fit.explain(exc, backend.board, firmware, len(self.model))
                    raise (restated or exc) from exc
                last = exc
            except (AgentTimeout, ProtocolError) as exc:
                last = exc
            self.link.drain()
        name = backend.board.name
        raise AgentTimeout(f"board {name}: no clean handshake in {HANDSHAKE_ATTEMPTS} tries: {last}")

    def _handshake(self, timeout: float | None) -> None:
        """HELLO (from a fresh decoder), then the model verified or loaded."""
        self.session.decoder.reset()
        self.hello = self.session.hello(timeout=timeout)
        if self.firmware.build_id and self.hello.build_id.hex() != self.firmware.build_id:
            raise FlashError(
                f"board {self.backend.board.name} runs firmware {self.hello.build_id.hex()[:12]}, "
                f"expected {self.firmware.build_id[:12]}"
            )
        if stateful(self.model) and not self.hello.has(m.Capability.STATE):
            raise DeviceError(
                UNSUPPORTED,
                "the model keeps state (LSTM/SVDF variable tensors) and this agent cannot reset it "
                "per sample (no STATE capability): rebuild the firmware",
            )
        self.model_info = self.load_model()

    def load_model(self) -> m.ModelInfo:
        """Verify the model the backend flashed into the slot; send it over the link
        when the slot holds something else and the agent can take it that way."""
        can_load = self.hello.has(m.Capability.LOAD_MODEL)
        if self.hello.has(m.Capability.SLOT_VERIFY):
            try:
                return self.session.verify_slot(self.model)
            except DeviceError as exc:
                if exc.code != SHA_MISMATCH or not can_load:
                    raise
        return self.session.load_model(self.model)

    def infer(self, tensor: npt.NDArray[Any], profile: bool = False, carry_state: bool = False) -> Inference:
        """One sample; a stateful model starts from a reset state unless `carry_state`."""
        data = np.ascontiguousarray(tensor).tobytes()
        return self.session.infer(data, profile, carry_state=carry_state)

    def close(self) -> None:
        self.link.close()

    def __enter__(self) -> BoardRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
