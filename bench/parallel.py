"""Boards in parallel: the same farm run on one process and on N xdist workers.

    python bench/parallel.py [--farm bench/farm4.toml] [--smoke] [--workers 2 4]

Runs `pytest --farm FARM` once on a single process (no xdist) and once per
worker count with `-n N` (whole boards per worker, harness.run.parallel), each
into its own reports folder, checks that every run produced the same
verdicts and a merged results.json with every board × model, and prints the
wall times and their ratio side by side. QEMU twins idle in WFI between
requests, so link-bound work overlaps even on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(
    farm: Path, workers: int, smoke: bool, reports: Path
) -> tuple[float, dict[tuple[str, str], str], int]:
    cmd = [sys.executable, "-m", "pytest", "--farm", str(farm), "--farm-report", str(reports)]
    cmd += ["-p", "no:cacheprovider", "-q"]
    if smoke:
        cmd.append("--farm-smoke")
    if workers > 1:
        cmd += ["-n", str(workers)]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"pytest exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    results = json.loads((reports / "results.json").read_text())
    verdicts = {(r["board"], r["model"]): r["verdict"] for r in results["records"]}
    cases = sum(1 for _ in ET.parse(reports / "junit.xml").iter("testcase"))
    return seconds, verdicts, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farm", type=Path, default=ROOT / "bench" / "farm4.toml")
    parser.add_argument("--smoke", action="store_true", help="smoke subsets (shorter, less link-bound)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    args = parser.parse_args()
    farm = args.farm.resolve()
    rows = []
    with tempfile.TemporaryDirectory(prefix="tinyfarm-parallel-") as tmp:
        base_s, base_verdicts, base_cases = run(farm, 1, args.smoke, Path(tmp) / "w1")
        rows.append((1, base_s, len(base_verdicts), base_cases))
        for workers in args.workers:
            seconds, verdicts, cases = run(farm, workers, args.smoke, Path(tmp) / f"w{workers}")
            if verdicts != base_verdicts or cases != base_cases:
                sys.exit(
                    f"-n {workers} differs: {verdicts} ({cases} cases) vs {base_verdicts} ({base_cases})"
                )
            rows.append((workers, seconds, len(verdicts), cases))
    boards = len({board for board, _ in base_verdicts})
    mode = "smoke" if args.smoke else "full datasets"
    print(
        f"{farm.name}: {boards} boards, {len(base_verdicts)} board x model runs, {base_cases} checks, {mode}"
    )
    print(f"{'workers':>8} {'wall s':>8} {'records':>8} {'checks':>7} {'speed-up':>9}")
    for workers, seconds, records, cases in rows:
        label = "1 (no -n)" if workers == 1 else f"-n {workers}"
        print(f"{label:>9} {seconds:8.1f} {records:8d} {cases:7d} {base_s / seconds:8.2f}x")


if __name__ == "__main__":
    main()
