"""`farm infer`: inferences on one board, outputs saved exactly as the device returned them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from harness.boards.firmware import default_build_root
from harness.boards.lease import LEASE_WAIT_S, BoardLease, lock_dir
from harness.cli.common import console
from harness.config.model import FarmConfig
from harness.errors import ConfigError
from harness.run.models import quantize, sample_problem
from harness.run.reference import Reference
from harness.run.runner import BoardRun, build_firmware, open_backend


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("board")
    p.add_argument("model", help="a model name from the farm file, or a .tflite path")
    p.add_argument("input", help=".npy with one input or a batch of inputs")
    p.add_argument("--out", help=".npy to write the output tensor(s) to")
    p.set_defaults(func=cmd_infer)


def _model_bytes(config: FarmConfig, model: str) -> tuple[Path, bytes]:
    path = Path(model)
    if path.suffix == ".tflite" and path.is_file():
        return path, path.read_bytes()
    entry = config.model(model)
    return entry.path, entry.path.read_bytes()


def _load_inputs(path: Path, reference: Reference) -> np.ndarray[Any, Any]:
    x = np.load(path, allow_pickle=False)
    per_sample = reference.input.size
    if x.size % per_sample:
        problem = f"{x.size} values do not make whole inputs of shape {reference.input.shape}"
        raise ConfigError(path, "", problem)
    x = x.reshape(-1, *reference.input.shape[1:])
    wrong = sample_problem(x, reference.input)
    if wrong is not None:
        raise ConfigError(path, "", wrong)
    return quantize(x.reshape(-1, *reference.input.shape[1:]), reference.input)


def cmd_infer(config: FarmConfig, args: argparse.Namespace) -> int:
    model_path, model = _model_bytes(config, args.model)
    reference = Reference(model_path)
    inputs = _load_inputs(Path(args.input), reference)
    lease = BoardLease(config.board(args.board), lock_dir(config.state)).acquire(LEASE_WAIT_S)
    backend = open_backend(config.board(args.board), config.state / "work")
    firmware = build_firmware(backend, default_build_root())
    outputs, ticks = [], []
    try:
        with BoardRun(backend, firmware, model) as run, Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"{args.board}: infer", total=len(inputs))
            desc = run.model_info.output
            for sample in inputs:
                result = run.infer(sample)
                outputs.append(np.frombuffer(result.output, dtype=desc.dtype).reshape(desc.dims))
                ticks.append(result.ticks)
                bar.advance(task)
            latency = backend.latency_model(run.hello.counter_hz)
    finally:
        backend.close()
        lease.release()
    out = np.stack(outputs) if len(outputs) > 1 else outputs[0]
    if args.out:
        np.save(args.out, out)
    cycles = [latency.cycles(t) for t in ticks]
    console.print(
        f"{len(outputs)} inference(s) on {args.board}: median {np.median(cycles):,.0f} cycles "
        f"({latency.kind}), {np.median(cycles) / backend.clock_hz * 1e3:.3f} ms at "
        f"{backend.clock_hz / 1e6:g} MHz"
    )
    if not args.out:
        print(out.tolist())
    return 0
