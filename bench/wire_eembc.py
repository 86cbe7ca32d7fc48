"""Wire efficiency of the two protocols side by side: the agent's framed
binary protocol and the MLPerf Tiny (EEMBC) text protocol, for the same
models and the same inputs, on the agent (its native build and its EEMBC
personality). Payload is the input tensor's bytes to the device and the
output tensor's bytes back (EEMBC prints them as 3-decimal text); wire is
every byte the link carried for one inference (`db load`, `db HEX`,
`infer 1 0` and replies, or the INFER frames).

    .venv/bin/python bench/wire_eembc.py [--backend fake|qemu]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.boards.firmware import default_build_root  # noqa: E402
from harness.config.model import BoardConfig  # noqa: E402
from harness.link.eembc import EembcSession  # noqa: E402
from harness.link.timeouts import Timeouts  # noqa: E402
from harness.models.reference import Reference  # noqa: E402
from harness.run.runner import BoardRun, build_firmware, open_backend  # noqa: E402

MODELS = (
    "digits_mlp_int8.tflite",
    "kws_ref_model.tflite",
    "ad01_int8.tflite",
    "pretrainedResnet_quant.tflite",
)


def board(kind: str, protocol: str) -> BoardConfig:
    options = {"machine": "mps2-an386"} if kind == "qemu" else {}
    return BoardConfig(name=f"bench-{protocol}", backend=kind, options=options, protocol=protocol)


def native(kind: str, work: Path, model: bytes, tensor: np.ndarray, out_bytes: int) -> tuple[float, float]:
    backend = open_backend(board(kind, "tinyfarm"), work)
    firmware = build_firmware(backend, default_build_root())
    try:
        with BoardRun(backend, firmware, model) as run:
            run.infer(tensor)
            written, read = run.link.bytes_written, run.link.bytes_read
            run.infer(tensor)
            return tensor.nbytes / (run.link.bytes_written - written), out_bytes / (
                run.link.bytes_read - read
            )
    finally:
        backend.close()


def eembc(kind: str, work: Path, model: bytes, tensor: np.ndarray, out_bytes: int) -> tuple[float, float]:
    backend = open_backend(board(kind, "eembc"), work)
    firmware = build_firmware(backend, default_build_root())
    try:
        backend.flash(firmware, model)
        link = backend.open_link()
        backend.link_opened()
        session = EembcSession(link, "bench", replace(Timeouts(), ceiling=60.0, floor=10.0))
        session.hello()
        session.run(tensor.tobytes())
        written, read = link.bytes_written, link.bytes_read
        session.run(tensor.tobytes())
        up, down = tensor.nbytes / (link.bytes_written - written), out_bytes / (link.bytes_read - read)
        link.close()
        return up, down
    finally:
        backend.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("fake", "qemu"), default="fake")
    args = parser.parse_args()
    print(f"payload / wire bytes for one inference ({args.backend} backend)")
    print(
        f"{'model':>30} {'in B':>6} {'out B':>6} | "
        f"{'tinyfarm up':>11} {'down':>6} | {'eembc up':>8} {'down':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in MODELS:
            path = ROOT / "fixtures" / "models" / name
            reference = Reference(path)
            rng = np.random.default_rng(1)
            tensor = rng.integers(-128, 128, reference.input.shape, dtype=np.int8).astype(
                reference.input.dtype
            )
            out_bytes = reference.output.size * np.dtype(reference.output.dtype).itemsize
            model = path.read_bytes()
            n_up, n_down = native(args.backend, Path(tmp), model, tensor, out_bytes)
            e_up, e_down = eembc(args.backend, Path(tmp), model, tensor, out_bytes)
            print(
                f"{name:>30} {tensor.nbytes:>6} {out_bytes:>6} | {n_up:>11.3f} {n_down:>6.3f} | "
                f"{e_up:>8.3f} {e_down:>6.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
