"""Wall time of a one-board run, by phase: QEMU's UART on a pty (before) and a socket (after).

    python bench/startup.py [--rounds 2]

Runs `pytest --farm farm.toml` on one QEMU twin of a Nano 33 BLE
(`nano33ble` profile) with the digits-mlp model (360 samples), once per
chardev per round, alternating, after one warm-up run that fills the
firmware and bytecode caches (as on a user's machine; hypothesis's pytest
plugin, a dev extra, is left out). This file is also the timing plugin (`-p bench.startup`),
which notes in-process timestamps:

    start-up   process start → collection finished (python, plugin, farm.toml, models)
    firmware   the agent's build for the board (cached)
    boot       QEMU started → the agent's HELLO answered
    samples    HELLO → every sample measured (model verified, 360 inferences)
    reports    last sample → process exit (judging, results.json, JUnit, HTML)

and prints each phase's median, before and after, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_ENV = "TINYFARM_STARTUP_OUT"
T0_ENV = "TINYFARM_STARTUP_T0"
PHASES = ("start-up", "firmware", "boot", "samples", "reports")
FARM = """
[farm]
name = "startup"

[[boards]]
name = "nano33ble-emu"
backend = "qemu"
profile = "nano33ble"
chardev = "{chardev}"

[[models]]
name = "digits-mlp"
path = "{root}/fixtures/models/digits_mlp_int8.tflite"
dataset = "{root}/fixtures/data/digits_test.npz"

[budgets.digits-mlp]
accuracy_min = 0.9
agreement_min = 1.0
"""

# -- the plugin: timestamps inside the pytest process -------------------------
_marks: dict[str, float] = {}


def _mark(name: str, first: bool = True) -> None:
    if not (first and name in _marks):
        _marks[name] = time.time()


def _wrap(owner: Any, attribute: str, before: str | None, after: str | None) -> None:
    real = getattr(owner, attribute)

    def timed(*args: Any, **kwargs: Any) -> Any:
        if before:
            _mark(before)
        result = real(*args, **kwargs)
        if after:
            _mark(after)
        return result

    setattr(owner, attribute, timed)


def pytest_configure(config: Any) -> None:
    if not os.environ.get(OUT_ENV):
        return
    import harness.run.farm
    from harness.backends.qemu import QemuBackend
    from harness.link.session import AgentSession

    _wrap(QemuBackend, "flash", "flash", None)
    _wrap(AgentSession, "hello", None, "hello")
    _wrap(harness.run.farm, "measure", None, "measured")
    _wrap(harness.run.farm.Farm, "firmware", "firmware-start", "firmware-end")


def pytest_collection_finish(session: Any) -> None:
    _mark("collected")


def pytest_unconfigure(config: Any) -> None:
    out = os.environ.get(OUT_ENV)
    if out:
        Path(out).write_text(json.dumps(_marks))


# -- the driver ---------------------------------------------------------------
def one_run(folder: Path, chardev: str) -> dict[str, float]:
    farm = folder / f"farm-{chardev}.toml"
    farm.write_text(FARM.format(chardev=chardev, root=ROOT))
    marks_file = folder / f"marks-{chardev}.json"
    cmd = [sys.executable, "-m", "pytest", "-p", "bench.startup", "--farm", str(farm), "-q"]
    cmd += ["-p", "no:cacheprovider", "--farm-report", str(folder / f"reports-{chardev}")]
    cmd += ["-p", "no:hypothesispytest"]  # a dev extra of tinyfarm's, not in a user's install
    # As on a user's machine: bytecode cached (the warm-up run writes it).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({OUT_ENV: str(marks_file), "PYTHONPATH": str(ROOT)})
    started = time.time()
    done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=100, check=False)
    ended = time.time()
    if done.returncode != 0:
        sys.exit(f"{chardev}: pytest exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    marks = json.loads(marks_file.read_text())
    return {
        "start-up": marks["collected"] - started,
        "firmware": marks["firmware-end"] - marks["firmware-start"],
        "boot": marks["hello"] - marks["flash"],
        "samples": marks["measured"] - marks["hello"],
        "reports": ended - marks["measured"],
        "total": ended - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="runs per chardev (default 2)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"pty": [], "socket": []}
    with tempfile.TemporaryDirectory(prefix="tinyfarm-startup-") as tmp:
        one_run(Path(tmp), "socket")  # warm-up: the firmware cache, the OS's file cache
        for _ in range(args.rounds):
            for chardev in runs:
                runs[chardev].append(one_run(Path(tmp), chardev))
    print(f"one-board digits-mlp run (360 samples, QEMU nano33ble twin), median of {args.rounds}")
    print(f"{'phase':<10} {'pty (before)':>13} {'socket (after)':>15} {'after/before':>13}")
    for phase in (*PHASES, "total"):
        before = statistics.median(r[phase] for r in runs["pty"])
        after = statistics.median(r[phase] for r in runs["socket"])
        ratio = f"{after / before:.2f}" if before > 0.005 else "-"
        print(f"{phase:<10} {before:>11.2f} s {after:>13.2f} s {ratio:>13}")


if __name__ == "__main__":
    main()
