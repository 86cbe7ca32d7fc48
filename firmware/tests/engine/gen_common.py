"""What the test-model generators (gen_*.py) share: the loop that builds
every case and writes OUT_DIR/NAME.tflite, and the OUT_DIR [--seed S]
[--only NAME ...] command line. Standard library only, so the TensorFlow
generators can use it without the engine's packages."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def write_cases(out_dir: Path, cases: dict, new_builder: Callable) -> list[Path]:
    """Build the cases in name order: new_builder(i, name) gives the i-th
    case's Builder, case(builder) returns its (inputs, outputs)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (name, make) in enumerate(sorted(cases.items())):
        b = new_builder(i, name)
        x, y = make(b)
        p = out_dir / f"{name}.tflite"
        p.write_bytes(b.finish(x, y))
        paths.append(p)
    return paths


def main(doc: str | None, generate: Callable, default_seed: int, only: bool = False) -> int:
    """Parse OUT_DIR [--seed S] (and [--only NAME ...] if only), call
    generate(out_dir, seed[, only]) and print the files written."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=default_seed)
    if only:
        ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    extra = [args.only] if only else []
    for p in generate(args.out_dir, args.seed, *extra):
        print(p)
    return 0
