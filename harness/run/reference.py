"""Host reference: TensorFlow Lite Micro's own kernels (the tflite-micro package).

The device must match these outputs bit for bit. Other runtimes (LiteRT,
tf.lite) differ by 1-2 LSB on int8 and are not the oracle.
"""

from __future__ import annotations

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

    def __init__(self, model_path: Path):
        import tflite_micro

        self.model_path = model_path
        self._interpreter = tflite_micro.runtime.Interpreter.from_file(str(model_path), arena_size=HOST_ARENA)
        self.input = _spec(self._interpreter.get_input_details(0))
        self.output = _spec(self._interpreter.get_output_details(0))

    def run(self, tensor: npt.NDArray[Any]) -> npt.NDArray[Any]:
        self._interpreter.set_input(tensor.reshape(self.input.shape).astype(self.input.dtype), 0)
        self._interpreter.invoke()
        return np.array(self._interpreter.get_output(0), copy=True)

    def run_all(self, inputs: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.stack([self.run(x) for x in inputs]) if len(inputs) else np.empty((0,))


_ARENA_LINE = re.compile(r"Arena allocation total (\d+) bytes")

_PROBE = """
import sys
import tflite_micro
i = tflite_micro.runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
i.print_allocations()
"""


def tflm_arena_bytes(model_path: Path) -> int | None:
    """Arena bytes TFLM's recording allocator reports for the model on this host.

    print_allocations() writes to C-level stderr, so it runs in a child process
    whose stderr is captured (a too-small arena can also crash the process).
    """
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
