"""The `agent` fixture's object: a live board with a model loaded, NumPy in and out."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from harness.link import messages as m
from harness.link.session import AgentSession
from harness.models.prepare import PreparedModel, quantize, sample_problem
from harness.run.runner import BoardRun


class Agent:
    """One board running one model. `infer(x)` takes a sample as the dataset holds it
    (floats are quantized with the input's scale and zero point; an array of the input's
    integer dtype is sent verbatim) and returns the output exactly as the device
    computed it, shaped like the model's output."""

    def __init__(self, run: BoardRun, model: PreparedModel):
        self.run = run
        self.model = model
        self.last_ticks: int | None = None

    @property
    def session(self) -> AgentSession:
        """The framed-protocol session underneath (bytes in, bytes out)."""
        return self.run.session

    @property
    def hello(self) -> m.Hello:
        return self.run.hello

    def infer(self, sample: npt.ArrayLike) -> npt.NDArray[Any]:
        spec = self.model.reference.input
        x = np.asarray(sample)
        if x.size != spec.size:
            raise ValueError(f"a sample of {x.size} values for an input of shape {spec.shape}")
        x = x.reshape(1, *spec.shape[1:])
        problem = sample_problem(x, spec)
        if problem is not None:
            raise ValueError(problem)
        result = self.run.infer(quantize(x, spec)[0])
        self.last_ticks = result.ticks
        out = self.model.reference.output
        return np.frombuffer(result.output, dtype=out.dtype).reshape(out.shape)

    def stats(self) -> m.Stats:
        return self.session.stats()

    def echo(self, data: bytes) -> bytes:
        return self.session.echo(data)
