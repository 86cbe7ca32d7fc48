"""Host reference: TensorFlow Lite Micro's own kernels (the tflite-micro package).

The device must match these outputs bit for bit. Other runtimes (LiteRT,
tf.lite) differ by 1-2 LSB on int8 and are not the oracle.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from harness import paths
from harness.models.tensors import pack, unpack

# Generous: the reference only needs to run, its arena is measured separately.
HOST_ARENA = 8 * 1024 * 1024


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    scale: float
    zero_point: int

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def _spec(details: dict[str, Any]) -> TensorSpec:
    quant = details.get("quantization_parameters", {})
    scales = quant.get("scales", [])
    zero_points = quant.get("zero_points", [])
    return TensorSpec(
        tuple(int(d) for d in details["shape"]),
        np.dtype(details["dtype"]),
        float(scales[0]) if len(scales) else 0.0,
        int(zero_points[0]) if len(zero_points) else 0,
    )


class Reference:
    """One model on the host TFLM interpreter."""

    def __init__(self, model_path: Path, carry_state: bool = False):
        """`carry_state`: a stateful model's variable tensors carry over from one sample
        to the next, as in one TFLM interpreter; otherwise the interpreter is reset
        before every sample (each sample independent, as the board runs it by default)."""
        import tflite_micro

        self.model_path = model_path
        self.carry_state = carry_state
        self._interpreter = tflite_micro.runtime.Interpreter.from_file(str(model_path), arena_size=HOST_ARENA)
        n_in, n_out = io_counts(model_path.read_bytes())
        self.inputs = [_spec(self._interpreter.get_input_details(i)) for i in range(n_in)]
        self.outputs = [_spec(self._interpreter.get_output_details(i)) for i in range(n_out)]
        self.input = self.inputs[0]
        self.output = self.outputs[0]

    @property
    def packed(self) -> bool:
        """Several inputs or outputs: samples and results travel as packed byte rows."""
        return len(self.inputs) > 1 or len(self.outputs) > 1

    def run(self, tensor: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Output 0 for one sample of input 0 (single-input models)."""
        return self.run_many([tensor])[0]

    def run_many(self, tensors: list[npt.NDArray[Any]]) -> list[npt.NDArray[Any]]:
        """Every output for one sample given as every input, in the model's order."""
        for index, (tensor, spec) in enumerate(zip(tensors, self.inputs, strict=True)):
            self._interpreter.set_input(tensor.reshape(spec.shape).astype(spec.dtype), index)
        if not self.carry_state:
            self._interpreter.reset()
        self._interpreter.invoke()
        return [np.array(self._interpreter.get_output(i), copy=True) for i in range(len(self.outputs))]

    def run_all(self, inputs: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Outputs for every sample: output 0 stacked, or packed rows for a packed model."""
        if not len(inputs):
            return np.empty((0,))
        if not self.packed:
            return np.stack([self.run(x) for x in inputs])
        per_input = unpack(inputs, self.inputs)
        rows = [pack(self.run_many([t[i : i + 1] for t in per_input])) for i in range(len(inputs))]
        return np.concatenate(rows)


def io_counts(data: bytes) -> tuple[int, int]:
    """How many inputs and outputs the model's first subgraph has."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    graph = schema.Model.GetRootAs(bytearray(data), 0).Subgraphs(0)
    return graph.InputsLength(), graph.OutputsLength()


_ARENA_LINE = re.compile(r"Arena allocation total (\d+) bytes")

_PROBE = """
import sys
import tflite_micro
i = tflite_micro.runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
i.print_allocations()
"""


def tflm_arena_bytes(model_path: Path) -> int | None:
    """Arena bytes TFLM's recording allocator reports for the model on this host,
    remembered per model and tflite-micro version in the per-user cache (asking
    costs a Python start-up: about half a second a model)."""
    data = model_path.read_bytes()
    key = hashlib.sha256(data).hexdigest()[:32]
    cache = paths.build_cache().parent / "tflm-arena" / f"{_tflm_version()}-{key}"
    try:
        return int(cache.read_text())
    except (OSError, ValueError):
        pass
    found = _probe_arena(model_path)
    if found is not None:
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(str(found))
    return found


def _tflm_version() -> str:
    try:
        return importlib.metadata.version("tflite-micro")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _probe_arena(model_path: Path) -> int | None:
    """print_allocations() writes to C-level stderr, so it runs in a child process
    whose stderr is captured (a too-small arena can also crash the process)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "probe.py"
        script.write_text(_PROBE)
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run(
            [sys.executable, str(script), str(model_path), str(HOST_ARENA)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
    match = _ARENA_LINE.search(done.stderr + done.stdout)
    return int(match.group(1)) if match else None
