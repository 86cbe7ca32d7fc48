"""The `farm` command: one board by hand, sharing the pytest path's code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from harness import configload
from harness.config import FarmConfig
from harness.errors import FarmError
from harness.farm import Farm
from harness.firmware import default_build_root
from harness.models import quantize
from harness.reference import Reference
from harness.runner import BoardRun, build_firmware, open_backend

console = Console(stderr=True)


def cmd_list(config: FarmConfig, args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for board in config.boards:
        backend = open_backend(board, config.reports / "work")
        presence = backend.presence()
        rows.append(
            {
                "name": board.name,
                "backend": board.backend,
                "emulated": backend.emulated,
                "status": "present" if presence.present else "absent",
                "reason": presence.reason,
                "target": backend.target,
                "clock_hz": backend.clock_hz,
                "flash_bytes": board.flash_bytes,
                "ram_bytes": board.ram_bytes,
                "identity": backend.identity(),
                "equivalent_of": board.equivalent_of,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title=f"boards in {config.path.name}")
    for column in ("name", "backend", "status", "target", "clock", "flash", "RAM", "identity"):
        table.add_column(column)
    for row in rows:
        identity = ", ".join(f"{k}={v}" for k, v in row["identity"].items() if v)
        table.add_row(
            row["name"],
            row["backend"],
            row["status"] + (f" ({row['reason']})" if row["reason"] else ""),
            row["target"],
            f"{row['clock_hz'] / 1e6:g} MHz",
            str(row["flash_bytes"] or "-"),
            str(row["ram_bytes"] or "-"),
            identity,
        )
    Console().print(table)
    return 0


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
        raise FarmError(f"{path}: {x.size} values do not make whole inputs of shape {reference.input.shape}")
    return quantize(x.reshape(-1, *reference.input.shape[1:]), reference.input)


def cmd_infer(config: FarmConfig, args: argparse.Namespace) -> int:
    model_path, model = _model_bytes(config, args.model)
    reference = Reference(model_path)
    inputs = _load_inputs(Path(args.input), reference)
    backend = open_backend(config.board(args.board), config.reports / "work")
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


def cmd_run(config: FarmConfig, args: argparse.Namespace) -> int:
    """Every board × model without pytest (the plugin is the usual way)."""
    farm = Farm(config, smoke=args.smoke)
    failed = 0
    for board in config.boards:
        for model in config.models:
            record = farm.run(board.name, model.name)
            failed += record.verdict != "pass"
            console.print(f"{board.name}::{model.name}: {record.verdict} {record.error or ''}")
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="farm", description="tinyfarm: TinyML models on boards")
    top.add_argument("--farm", default="farm.toml", help="farm file (default ./farm.toml)")
    verbs = top.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("list", help="configured boards, present or absent, with identity")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = verbs.add_parser("infer", help="one or more inferences, outputs saved as the device returned them")
    p.add_argument("board")
    p.add_argument("model", help="a model name from the farm file, or a .tflite path")
    p.add_argument("input", help=".npy with one input or a batch of inputs")
    p.add_argument("--out", help=".npy to write the output tensor(s) to")
    p.set_defaults(func=cmd_infer)
    p = verbs.add_parser("run", help="run the whole farm without pytest")
    p.add_argument("--smoke", action="store_true")
    p.set_defaults(func=cmd_run)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = configload.load(args.farm)
        code: int = args.func(config, args)
        return code
    except (FarmError, KeyError) as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
