"""`farm bench`: latency distribution and throughput of one model on one board.

The same measure() the pytest path uses: flash, load, N inferences through
the recovering run; device latency from the agent's counter, host-side time
per inference and link bytes from the run itself.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from rich.progress import Progress
from rich.table import Table

from harness.boards.firmware import default_build_root
from harness.boards.lease import leased
from harness.cli.common import console, out
from harness.config.model import FarmConfig
from harness.models.prepare import config_ops, prepare
from harness.run.runner import build_firmware, measure, open_backend


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("board")
    p.add_argument("model", help="a model name from the farm file")
    p.add_argument("-n", "--count", type=int, default=50, help="inferences (default 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_bench)


def bench_stats(
    cycles: list[float], clock_hz: int, stamps: list[float], link_bytes: dict[str, int]
) -> dict[str, Any]:
    """Numbers for the table (pure): device latency, host time per inference, throughput."""
    ms = np.asarray(cycles, dtype=float) / clock_hz * 1e3
    gaps = np.diff(np.asarray(stamps, dtype=float)) * 1e3
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return {
        "n": len(cycles),
        "device_p50_ms": float(np.percentile(ms, 50)) if len(ms) else None,
        "device_p95_ms": float(np.percentile(ms, 95)) if len(ms) else None,
        "device_max_ms": float(ms.max()) if len(ms) else None,
        "host_p50_ms": float(np.percentile(gaps, 50)) if len(gaps) else None,
        "host_p95_ms": float(np.percentile(gaps, 95)) if len(gaps) else None,
        "host_max_ms": float(gaps.max()) if len(gaps) else None,
        "inferences_per_s": (len(stamps) - 1) / span if span > 0 else None,
        "link_bytes_written": link_bytes.get("written", 0),
        "link_bytes_read": link_bytes.get("read", 0),
    }


def cmd_bench(config: FarmConfig, args: argparse.Namespace) -> int:
    import json

    board = config.board(args.board)
    prepared = prepare(config, config.model(args.model), smoke=False)
    reps = -(-args.count // len(prepared.inputs))
    inputs = np.concatenate([prepared.inputs] * reps)[: args.count]
    stamps: list[float] = []
    with leased(board, config.state):
        backend = open_backend(board, config.state / "work")
        try:
            firmware = build_firmware(backend, default_build_root(), config_ops(config))
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"{board.name}: {args.model}", total=len(inputs))

                def progress(done: int, total: int) -> None:
                    stamps.append(time.monotonic())
                    bar.update(task, completed=done)

                measured = measure(backend, firmware, prepared.data, inputs, progress)
        finally:
            backend.close()
    stats = bench_stats(measured.cycles, backend.clock_hz, stamps, measured.link_bytes)
    stats.update({"board": board.name, "model": args.model, "latency_kind": measured.latency_kind})
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    table = Table(title=f"{args.model} on {board.name}: {stats['n']} inferences")
    table.add_column("measure")
    table.add_column("p50", justify="right")
    table.add_column("p95", justify="right")
    table.add_column("max", justify="right")

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.3f} ms"

    table.add_row(
        f"device latency ({measured.latency_kind}, {backend.clock_hz / 1e6:g} MHz)",
        ms(stats["device_p50_ms"]),
        ms(stats["device_p95_ms"]),
        ms(stats["device_max_ms"]),
    )
    table.add_row(
        "host time per inference (link + device)",
        ms(stats["host_p50_ms"]),
        ms(stats["host_p95_ms"]),
        ms(stats["host_max_ms"]),
    )
    out.print(table)
    rate = stats["inferences_per_s"]
    out.print(
        (f"throughput {rate:,.1f} inferences/s; " if rate else "throughput: too few inferences to time; ")
        + f"link {stats['link_bytes_written']:,} B written, {stats['link_bytes_read']:,} B read "
        "(the whole run: handshake, model load and inferences)"
    )
    return 0
