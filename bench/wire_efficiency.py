"""Wire efficiency and host overhead of the agent protocol, measured on a real agent.

For tensors of 64 B, 1 KiB and 32 KiB (a synthetic requantize model of that
size, so input and output are the tensor), it counts the bytes the link
really carried during one inference and prints payload / wire per direction.
Then, for real models, it prints the host CPU time spent per inference as a
ratio of the device's own inference time.

    .venv/bin/python bench/wire_efficiency.py [--machine mps2-an386]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.boards.firmware import default_build_root  # noqa: E402
from harness.config.model import BoardConfig  # noqa: E402
from harness.models.synth import requantize_model  # noqa: E402
from harness.run.runner import BoardRun, build_firmware, open_backend  # noqa: E402

MODELS = ROOT / "fixtures" / "models"


def board(machine: str) -> BoardConfig:
    return BoardConfig(name="bench", backend="qemu", options={"machine": machine}, clock_hz=64_000_000)


def wire_row(machine: str, workdir: Path, size: int) -> tuple[int, float, float, float]:
    backend = open_backend(board(machine), workdir)
    firmware = build_firmware(backend, default_build_root())
    tensor = np.random.default_rng(size).integers(-128, 128, size, dtype=np.int8)
    try:
        with BoardRun(backend, firmware, requantize_model(size)) as run:
            run.infer(tensor)  # warm up
            written, read = run.link.bytes_written, run.link.bytes_read
            started = time.monotonic()
            result = run.infer(tensor)
            seconds = time.monotonic() - started
            up = size / (run.link.bytes_written - written)
            down = len(result.output) / (run.link.bytes_read - read)
    finally:
        backend.close()
    return size, up, down, 2 * size / seconds


def overhead_row(machine: str, workdir: Path, model: str, runs: int) -> tuple[str, float, float, float]:
    backend = open_backend(board(machine), workdir)
    firmware = build_firmware(backend, default_build_root())
    data = (MODELS / model).read_bytes()
    try:
        with BoardRun(backend, firmware, data) as run:
            latency = backend.latency_model(run.hello.counter_hz)
            size = run.model_info.input.bytes
            tensor = np.random.default_rng(1).integers(-128, 128, size, dtype=np.int8)
            cpu, device = 0.0, 0.0
            for _ in range(runs):
                before = time.process_time()
                result = run.infer(tensor)
                cpu += time.process_time() - before
                device += latency.cycles(result.ticks) / backend.clock_hz
    finally:
        backend.close()
    return model, cpu / runs * 1e3, device / runs * 1e3, cpu / device


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--machine", default="mps2-an386")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"wire efficiency on QEMU {args.machine} (payload bytes / bytes on the wire, one inference)")
        print(f"{'tensor':>10} {'host->dev':>10} {'dev->host':>10} {'payload B/s':>12}")
        for size in (64, 1024, 32768):
            size, up, down, rate = wire_row(args.machine, work, size)
            print(f"{size:>10} {up:>10.3f} {down:>10.3f} {rate:>12,.0f}")
        print()
        print("host CPU per inference vs device time (device: instruction estimate at 64 MHz)")
        print(f"{'model':>28} {'host ms':>9} {'device ms':>10} {'ratio':>7}")
        for model in ("ad01_int8.tflite", "kws_ref_model.tflite"):
            name, host_ms, device_ms, ratio = overhead_row(args.machine, work, model, args.runs)
            print(f"{name:>28} {host_ms:>9.3f} {device_ms:>10.3f} {ratio:>7.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
