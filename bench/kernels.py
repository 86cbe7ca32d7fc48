"""Reference vs Armv7E-M engine kernels on the NUCLEO-L4R5ZI twin (QEMU).

Builds the agent twice for the `nucleo-l4r5zi-emu` board of farm.toml
(KERNELS=ref: portable loops; KERNELS=dsp: SXTB16/SMLAD kernels), runs each
MLPerf Tiny model on QEMU (-icount shift=0, so the agent's counter measures
instructions), checks the outputs against TFLite Micro, and prints per model:
instructions per inference, the ratio to two published 120 MHz NUCLEO-L4R5ZI
results (TFLM reference submission v0.5 and ST X-CUBE-AI v0.7, in cycles),
arena and agent flash; then the per-operator profile side by side.

    .venv/bin/python bench/kernels.py [--models kws,resnet] [--inputs 2] [--json out.json]

Bounded: two builds (incremental) and 2 x 4 short QEMU sessions, about a
minute on a laptop. Instructions are not cycles (no wait states, no
pipeline stalls, SMLAD counts as one), so the ratios compare like with like
only roughly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.boards.firmware import FirmwareImage, default_build_root  # noqa: E402
from harness.config.load import load  # noqa: E402
from harness.models.reference import Reference  # noqa: E402
from harness.run.runner import BoardRun, build_firmware, open_backend  # noqa: E402

MODELS = ROOT / "fixtures" / "models"
BOARD = "nucleo-l4r5zi-emu"
# name: (file, TFLM reference v0.5 cycles, ST X-CUBE-AI v0.7 cycles) at 120 MHz
PUBLISHED = {
    "kws": ("kws_ref_model", 21.83e6, 11.72e6),
    "resnet": ("pretrainedResnet_quant", 84.5e6, 30.33e6),
    "ad01": ("ad01_int8", 1.206e6, 1.160e6),
    "str_ww": ("str_ww_ref_model", None, None),
}
OP_NAMES = {
    0: "ADD",
    1: "AVG_POOL",
    3: "CONV",
    4: "DW_CONV",
    9: "FC",
    17: "MAX_POOL",
    22: "RESHAPE",
    25: "SOFTMAX",
    114: "QUANTIZE",
    6: "DEQUANTIZE",
}


@contextmanager
def kernels(variant: str) -> Iterator[None]:
    """The firmware Makefile reads KERNELS from the environment."""
    old = os.environ.get("KERNELS")
    os.environ["KERNELS"] = variant
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("KERNELS", None)
        else:
            os.environ["KERNELS"] = old


def run_model(board: Any, firmware: FirmwareImage, name: str, inputs: int, workdir: Path) -> dict[str, Any]:
    path = MODELS / f"{PUBLISHED[name][0]}.tflite"
    reference = Reference(path)
    backend = open_backend(board, workdir)
    rng = np.random.default_rng(7)
    try:
        with BoardRun(backend, firmware, path.read_bytes()) as run:
            latency = backend.latency_model(run.hello.counter_hz)
            desc = run.model_info.input
            shape = tuple(int(d) for d in desc.dims)
            ticks, exact = [], 0
            for _i in range(inputs):
                x = rng.integers(-128, 128, size=shape, dtype=np.int64).astype(np.int8)
                result = run.infer(x)
                ticks.append(result.ticks)
                got = np.frombuffer(result.output, dtype=run.model_info.output.dtype)
                exact += int(np.array_equal(got, reference.run(x).reshape(-1)))
            prof = run.infer(x, profile=True).profile
            arena = run.model_info.arena_used
    finally:
        backend.close()
    ops = [(p.op_index, OP_NAMES.get(p.builtin_op, str(p.builtin_op)), latency.cycles(p.ticks)) for p in prof]
    return {
        "instructions": float(np.median([latency.cycles(t) for t in ticks])),
        "bit_exact": f"{exact}/{inputs}",
        "arena": arena,
        "profile": ops,
    }


def fmt_ratio(value: float, ref: float | None) -> str:
    return f"{value / ref:5.2f}" if ref else "    -"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--models", default=",".join(PUBLISHED), help="comma-separated subset of " + ",".join(PUBLISHED)
    )
    ap.add_argument("--variants", default="ref,dsp")
    ap.add_argument("--inputs", type=int, default=2, help="random inputs per model (checked against TFLM)")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    names = args.models.split(",")
    variants = args.variants.split(",")
    board = load(ROOT / "farm.toml").board(BOARD)
    results: dict[str, dict[str, Any]] = {}
    flash: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in variants:
            with kernels(variant):
                root = default_build_root().parent / f"firmware-kernels-{variant}"
                firmware = build_firmware(open_backend(board, Path(tmp) / "build"), root)
            flash[variant] = firmware.flash_bytes
            for name in names:
                res = run_model(board, firmware, name, args.inputs, Path(tmp) / f"{variant}-{name}")
                results.setdefault(name, {})[variant] = res
                print(
                    f"  {variant:4} {name:7} {res['instructions'] / 1e6:8.3f} M  exact {res['bit_exact']}",
                    file=sys.stderr,
                )
    print_tables(results, flash, variants, names)
    if args.json:
        args.json.write_text(json.dumps({"flash": flash, "models": results}, indent=1))
    bad = [
        n
        for n in names
        for v in variants
        if not results[n][v]["bit_exact"].startswith(str(args.inputs) + "/")
    ]
    return 1 if bad else 0


def print_tables(
    results: dict[str, Any], flash: dict[str, int], variants: list[str], names: list[str]
) -> None:
    print(f"\n{BOARD} (QEMU -icount shift=0): instructions per inference; ratios = ours / published cycles")
    print(
        f"{'model':8} {'kernels':7} {'instr (M)':>10} {'/TFLM v0.5':>10} {'/ST v0.7':>9} {'arena':>8}  exact"
    )
    for name in names:
        _, tflm, st = PUBLISHED[name]
        for v in variants:
            r = results[name][v]
            n = r["instructions"]
            print(
                f"{name:8} {v:7} {n / 1e6:10.3f} {fmt_ratio(n, tflm):>10} {fmt_ratio(n, st):>9} "
                f"{r['arena']:>8,}  {r['bit_exact']}"
            )
    print("agent flash (bytes): " + ", ".join(f"{v} {flash[v]:,}" for v in variants))
    for name in names:
        print(f"\n{name}: per-operator instructions (k)")
        rows = [results[name][v]["profile"] for v in variants]
        print(f"  {'#':>3} {'op':10} " + " ".join(f"{v:>10}" for v in variants))
        for i, (idx, op, _) in enumerate(rows[0]):
            cells = " ".join(f"{row[i][2] / 1e3:10.1f}" if i < len(row) else f"{'':>10}" for row in rows)
            print(f"  {idx:>3} {op:10} {cells}")


if __name__ == "__main__":
    raise SystemExit(main())
