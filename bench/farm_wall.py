"""Wall time of the default farm with the portable reference kernels and with the
Armv7E-M kernels, measured side by side in one run (issue: kernels for Cortex-M).

The same farm.toml is run twice through pytest, once with `kernels = "ref"` on
every board, once as it is (the ports' default, `dsp`). On emulated boards
instructions are wall time, so the ratio is what a lab waits.

    .venv/bin/python bench/farm_wall.py [--smoke] [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def farm_copy(folder: Path, kernels: str | None) -> Path:
    """farm.toml with absolute file paths, and `kernels = ...` on every board when given."""
    text = (ROOT / "farm.toml").read_text()
    text = re.sub(r'= "(fixtures/[^"]+)"', lambda m: f'= "{ROOT / m.group(1)}"', text)
    if kernels:
        text = text.replace("[[boards]]\n", f'[[boards]]\nkernels = "{kernels}"\n')
    target = folder / f"farm-{kernels or 'default'}.toml"
    target.write_text(text.replace('reports = "reports"', f'reports = "reports-{kernels or "default"}"'))
    return target


def run(farm: Path, extra: list[str]) -> tuple[float, int]:
    started = time.monotonic()
    cmd = [sys.executable, "-m", "pytest", "--farm", str(farm), "-q", "-p", "no:cacheprovider", *extra]
    done = subprocess.run(cmd, cwd=farm.parent, capture_output=True, text=True, check=False)
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    print(f"  {farm.name}: exit {done.returncode}, {tail[0]}")
    return time.monotonic() - started, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="--farm-smoke for both runs")
    args, extra = parser.parse_known_args()
    extra = [e for e in extra if e != "--"] + (["--farm-smoke"] if args.smoke else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        times = {}
        for kernels in ("ref", None):
            farm = farm_copy(folder, kernels)
            run(farm, ["--collect-only", *extra])  # builds the agents outside the timed run
            times[kernels or "dsp"], code = run(farm, extra)
            if code:
                return code
    print(f"\n{'kernels':>8} {'wall s':>8}")
    for name, seconds in times.items():
        print(f"{name:>8} {seconds:8.1f}")
    print(f"ratio dsp/ref: {times['dsp'] / times['ref']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
