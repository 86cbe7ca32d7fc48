"""The failure classes of a farm run.

Infrastructure failures (the board, its link or its flashing went wrong) are
retried within bounds; model failures (a budget missed, a model the engine
rejects) are never retried. Every error says which board and what failed.
"""

from __future__ import annotations

from typing import ClassVar

INFRASTRUCTURE = "infrastructure"
MODEL = "model"

# Exit codes of `pytest --farm` and of `farm` alike (docs/release-gate.md).
EXIT_PASS = 0
EXIT_FAILED = 1  # a budget or a test failed
EXIT_USAGE = 2  # the command line or farm.toml is wrong
EXIT_INFRASTRUCTURE = 3  # a board, tool or link failed, the run was interrupted, or nothing was tested


class FarmError(Exception):
    """Base of every error tinyfarm raises on purpose."""

    error_class = INFRASTRUCTURE


class ConfigError(FarmError):
    """farm.toml (or a file it names) is invalid; nothing runs."""

    def __init__(self, file: object, key: str, problem: str, accepted: str | None = None):
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.accepted = accepted
        text = f"{self.file}: {key}: {problem}" if key else f"{self.file}: {problem}"
        if accepted:
            text += f" (accepted: {accepted})"
        super().__init__(text)


class InfrastructureError(FarmError):
    """The board, its link, its flashing or its emulator failed."""

    error_class = INFRASTRUCTURE


class LinkError(InfrastructureError):
    """The serial link could not be opened or broke."""


class AgentTimeout(InfrastructureError):
    """The agent did not answer within the step's bound."""


class ProtocolError(InfrastructureError):
    """The agent answered something the protocol does not allow."""


class FlashError(InfrastructureError):
    """Putting firmware or a model on the board failed."""


class BoardUnavailable(InfrastructureError):
    """The board is absent or could not be started."""


class ModelDoesNotFit(FarmError):
    """The model needs more flash or RAM than the board has: a model failure, never retried."""

    error_class = MODEL


class DeviceError(FarmError):
    """The agent answered a request with an ERROR frame."""

    # Codes that mean the model itself is at fault (see docs/protocol.md).
    MODEL_CODES: ClassVar[dict[int, str]] = {
        4: "MODEL_INVALID",
        5: "UNSUPPORTED",
        6: "ARENA_TOO_SMALL",
        8: "SLOT_TOO_SMALL",
    }
    NAMES: ClassVar[dict[int, str]] = {
        1: "BAD_REQUEST",
        2: "BAD_ARG",
        3: "NO_MODEL",
        7: "SHA_MISMATCH",
        9: "INFER_FAILED",
        **MODEL_CODES,
    }

    def __init__(self, code: int, message: str):
        self.code = code
        self.message = message
        self.error_class = MODEL if code in self.MODEL_CODES else INFRASTRUCTURE
        super().__init__(f"agent error {self.NAMES.get(code, code)}: {message}")
