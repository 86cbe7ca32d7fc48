"""`farm check MODEL.tflite`: every operator of a model, whether the engine runs it,
and the arena the engine would plan. No board, no farm.toml needed."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from harness.cli.common import console, out
from harness.config.model import FarmConfig
from harness.errors import ConfigError


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a .tflite file")
    p.set_defaults(func=cmd_check, needs_farm=False)


def cmd_check(config: FarmConfig | None, args: argparse.Namespace) -> int:
    from harness.boards import engine_host, engine_ops

    del config
    path = Path(args.model)
    if not path.is_file():
        raise ConfigError(path, "", "no such file")
    data = path.read_bytes()
    try:
        ops = engine_ops.model_ops(data)
    except Exception as exc:  # not a flatbuffer the TFLite schema reads
        raise ConfigError(path, "", f"not a .tflite model: {type(exc).__name__}: {exc}") from None
    engine = engine_ops.engine_ops()
    table = Table(title=f"{path.name}: {len(ops)} operators")
    for column in ("#", "operator", "tensor types", "engine"):
        table.add_column(column)
    for op in ops:
        problem = engine_ops.problems([op], engine)
        verdict = "[green]supported[/]" if not problem else f"[red]{escape(problem[0].split(': ', 1)[1])}[/]"
        name = op.name if op.custom is None else f"CUSTOM {op.custom!r}"
        table.add_row(str(op.index), escape(name), " ".join(op.data_types), verdict)
    out.print(table)
    problems = engine_ops.problems(ops, engine)
    if problems:
        console.print(f"[red]{len(problems)} operator(s) the engine cannot run[/]")
        return 1
    planned = engine_host.plan(path)
    if planned.get("status") != 0:
        console.print(f"[red]the engine rejects the model:[/] {escape(str(planned.get('msg')))}")
        return 1
    console.print(f"arena the engine plans: {planned['arena_used']:,} bytes (this host's build)")
    return 0
