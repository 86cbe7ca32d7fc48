"""`farm infer`: inferences on one board, outputs saved exactly as the device returned them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from harness.boards.engine_ops import check_model
from harness.boards.firmware import default_build_root
from harness.boards.lease import LEASE_WAIT_S, BoardLease, lock_dir
from harness.cli.common import console
from harness.config.model import FarmConfig
from harness.errors import ConfigError
from harness.models.datasets import input_names
from harness.models.prepare import config_ops, quantize, sample_problem
from harness.models.reference import Reference
from harness.models.tensors import pack, unpack
from harness.run.runner import BoardRun, build_firmware, open_backend


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("board")
    p.add_argument("model", help="a model name from the farm file, or a .tflite path")
    p.add_argument("input", help=".npy with one input or a batch; .npz with x0, x1, ... for several inputs")
    p.add_argument("--out", help=".npy for the output (.npz with y0, y1, ... for several outputs)")
    state = p.add_mutually_exclusive_group()
    state.add_argument(
        "--carry-state",
        dest="carry_state",
        action="store_true",
        default=None,
        help="a stateful model (LSTM, SVDF) carries its state across the inputs in order (one sequence)",
    )
    state.add_argument(
        "--reset-state",
        dest="carry_state",
        action="store_false",
        help="reset a stateful model's state before every input (the default, unless the farm "
        'file gives the model state = "carry")',
    )
    p.set_defaults(func=cmd_infer)


def _model_bytes(config: FarmConfig, model: str) -> tuple[Path, bytes]:
    path = Path(model)
    if path.suffix == ".tflite" and path.is_file():
        return path, path.read_bytes()
    tflite = config.tflite(model)
    return tflite, tflite.read_bytes()


def _load_inputs(path: Path, reference: Reference) -> np.ndarray[Any, Any]:
    """Samples for the model: an .npy (one input), or an .npz with x0, x1, ... (several),
    each holding one sample or a batch; packed into byte rows for a packed model."""
    specs = reference.inputs
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from None
    if isinstance(loaded, np.ndarray):
        if len(specs) > 1:
            raise ConfigError(
                path, "", f"the model has {len(specs)} inputs: give an .npz with x0..x{len(specs) - 1}"
            )
        arrays = [loaded]
    else:
        names = input_names(len(specs)) if len(specs) > 1 else ["x0" if "x0" in loaded else "x"]
        missing = [n for n in names if n not in loaded]
        if missing:
            raise ConfigError(
                path, "", f"no array {', '.join(missing)} (the model's inputs: {', '.join(names)})"
            )
        arrays = [loaded[n] for n in names]
    quantized = []
    for name, x, spec in zip(input_names(len(specs)), arrays, specs, strict=True):
        if x.size % spec.size:
            raise ConfigError(
                path, "", f"{name}: {x.size} values do not make whole inputs of shape {spec.shape}"
            )
        x = x.reshape(-1, *spec.shape[1:])
        problem = sample_problem(x, spec)
        if problem is not None:
            raise ConfigError(path, "", f"{name}: {problem}")
        quantized.append(quantize(x, spec))
    if len({len(q) for q in quantized}) > 1:
        raise ConfigError(path, "", "the inputs hold different numbers of samples")
    return pack(quantized) if reference.packed else quantized[0]


def _reference(path: Path, model: bytes) -> Reference:
    """The host reference, after the engine's own check: both say clearly why not."""
    problems = check_model(model)
    if problems:
        raise ConfigError(path, "", "the engine cannot run it:\n  " + "\n  ".join(problems))
    try:
        return Reference(path)
    except Exception as exc:  # the interpreter raises plain RuntimeErrors
        raise ConfigError(path, "", f"not a model TFLite Micro can load: {exc}") from None


def _save(out: str | None, reference: Reference, rows: list[np.ndarray[Any, Any]]) -> Any:
    """Outputs as the device returned them: an .npy for one output, an .npz of y0, y1, ..."""
    if not reference.packed:
        arrays = [np.stack(rows) if len(rows) > 1 else rows[0]]
    else:
        arrays = unpack(np.stack([r.reshape(-1) for r in rows]), reference.outputs)
        arrays = [a if len(rows) > 1 else a[0] for a in arrays]
    if out and len(arrays) > 1:
        np.savez(out, **{f"y{i}": a for i, a in enumerate(arrays)})  # type: ignore[arg-type]
    elif out:
        np.save(out, arrays[0])
    return arrays[0] if len(arrays) == 1 else arrays


def _carry_state(config: FarmConfig, args: argparse.Namespace) -> bool:
    """--carry-state/--reset-state, else the farm file's `state` for a named model."""
    if args.carry_state is not None:
        return bool(args.carry_state)
    try:
        return config.model(args.model).carry_state
    except KeyError:  # a .tflite path: reset, the default
        return False


def cmd_infer(config: FarmConfig, args: argparse.Namespace) -> int:
    carry = _carry_state(config, args)
    model_path, model = _model_bytes(config, args.model)
    reference = _reference(model_path, model)
    inputs = _load_inputs(Path(args.input), reference)
    lease = BoardLease(config.board(args.board), lock_dir(config.state)).acquire(LEASE_WAIT_S)
    backend = open_backend(config.board(args.board), config.state / "work")
    firmware = build_firmware(backend, default_build_root(), config_ops(config, [model]))
    outputs, ticks = [], []
    try:
        with BoardRun(backend, firmware, model) as run, Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"{args.board}: infer", total=len(inputs))
            desc = run.model_info.output
            for sample in inputs:
                result = run.infer(sample, carry_state=carry)
                if reference.packed:
                    outputs.append(np.frombuffer(result.output, dtype=np.uint8))
                else:
                    outputs.append(np.frombuffer(result.output, dtype=desc.dtype).reshape(desc.dims))
                ticks.append(result.ticks)
                bar.advance(task)
            latency = backend.latency_model(run.hello.counter_hz)
    finally:
        backend.close()
        lease.release()
    out = _save(args.out, reference, outputs)
    cycles = [latency.cycles(t) for t in ticks]
    console.print(
        f"{len(outputs)} inference(s) on {args.board}: median {np.median(cycles):,.0f} cycles "
        f"({latency.kind}), {np.median(cycles) / backend.clock_hz * 1e3:.3f} ms at "
        f"{backend.clock_hz / 1e6:g} MHz"
    )
    if not args.out:
        print([a.tolist() for a in out] if isinstance(out, list) else out.tolist())
    return 0
