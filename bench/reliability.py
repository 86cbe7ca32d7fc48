"""Reliability under link faults and a hung board, on an emulated board.

1. Byte error rates of 1e-4, 1e-3 and 1e-2 (bit flips, plus drops and
   duplicates at a tenth of that rate) on the link to a QEMU mps2-an386 board
   running the digits MLP: share of inferences completed with the right output,
   retries used, and wrong results accepted (judged against TFLite Micro).
2. A board paused mid-inference (QEMU's monitor `stop`): how long until it is
   detected, how it is classified, and that the next board still runs.

    .venv/bin/python bench/reliability.py [--inferences 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.backends.qemu import QemuBackend  # noqa: E402
from harness.boards.firmware import default_build_root  # noqa: E402
from harness.config import load as configload  # noqa: E402
from harness.config.model import BoardConfig  # noqa: E402
from harness.link.links import Link  # noqa: E402
from harness.link.messages import Msg  # noqa: E402
from harness.models.reference import Reference  # noqa: E402
from harness.run.farm import Farm  # noqa: E402
from harness.run.faults import FaultSpec, FaultyLink, tally_inferences  # noqa: E402
from harness.run.recovery import RecoveringRun, RetryPolicy  # noqa: E402
from harness.run.runner import build_firmware, open_backend  # noqa: E402

DIGITS = ROOT / "fixtures" / "models" / "digits_mlp_int8.tflite"


def digits_inputs(count: int) -> np.ndarray:
    x = np.load(ROOT / "fixtures" / "data" / "digits_test.npz")["x"]
    q = np.clip(np.round(x * 255) - 128, -128, 127).astype(np.int8)
    return q[np.arange(count) % len(q)]


def error_rate_row(rate: float, count: int, workdir: Path) -> str:
    board = BoardConfig(name=f"ber-{rate:g}", backend="qemu", options={"machine": "mps2-an386"})
    backend = open_backend(board, workdir)
    inputs = digits_inputs(count)
    reference = Reference(DIGITS)
    expected = [reference.run(x).tobytes() for x in inputs]
    links: list[FaultyLink] = []

    def wrap(link: Link) -> Link:
        spec = FaultSpec(corrupt=rate, drop=rate / 10, duplicate=rate / 10, seed=len(links) + 1)
        links.append(FaultyLink(link, spec))
        return links[-1]

    started = time.monotonic()
    run = RecoveringRun(
        backend, build_firmware(backend, default_build_root()), DIGITS.read_bytes(), RetryPolicy(), wrap
    )
    try:
        run.start()
        tally = tally_inferences(run, list(inputs), expected)
    finally:
        run.close()
    injected = sum(sum(link.injected.values()) for link in links)
    return (
        f"{rate:>8g} {tally.total:>7} {tally.correct / tally.total:>9.2%} {tally.failed:>7} "
        f"{tally.retries:>8} {tally.wrong:>6} {injected:>9} {time.monotonic() - started:>7.1f}"
    )


class PauseAfterInfers(Link):
    """Forwards to a QEMU board's link; after N INFER requests, pauses the VM."""

    def __init__(self, inner: Link, backend: QemuBackend, after: int):
        super().__init__()
        self.inner, self.backend, self.after = inner, backend, after
        self.paused_at: float | None = None
        self.detected_at: float | None = None  # the harness's next request: it noticed

    def write(self, data: bytes) -> None:
        if self.paused_at is not None and self.detected_at is None:
            self.detected_at = time.monotonic()
        self.inner.write(data)
        if len(data) > 2 and data[1] == Msg.INFER:  # COBS code byte, then the frame type
            self.after -= 1
            if self.after == 0 and self.paused_at is None:
                self.backend.monitor("stop")
                self.paused_at = time.monotonic()

    def read(self, timeout: float) -> bytes:
        return self.inner.read(timeout)

    def close(self) -> None:
        self.inner.close()


FARM = """
[[boards]]
name = "hangs"
backend = "qemu"
machine = "mps2-an386"

[[boards]]
name = "healthy"
backend = "qemu"
machine = "mps2-an386"

[[models]]
name = "digits"
path = "{model}"
dataset = "{data}"
samples = 40
"""


def paused_board(workdir: Path) -> None:
    farm_toml = workdir / "farm.toml"
    farm_toml.write_text(FARM.format(model=DIGITS, data=ROOT / "fixtures" / "data" / "digits_test.npz"))
    pausers: list[PauseAfterInfers] = []

    def wrap(backend, link):  # type: ignore[no-untyped-def]
        if backend.board.name != "hangs":
            return link
        # The first boot hangs at its third inference (timeouts have learned the
        # real inference time by then), every later boot at its first.
        pausers.append(PauseAfterInfers(link, backend, after=1 if pausers else 3))
        return pausers[-1]

    farm = Farm(configload.load(farm_toml), wrap=wrap, reports=workdir / "reports")
    started = time.monotonic()
    hung = farm.run("hangs", "digits")
    given_up = time.monotonic() - started
    healthy = farm.run("healthy", "digits")
    first = pausers[0]
    assert first.paused_at is not None and first.detected_at is not None
    print(
        f"paused board: verdict {hung.verdict}, class {hung.error_class}; first pause noticed after "
        f"{first.detected_at - first.paused_at:.2f} s (bound: 1 s floor + 4 x slowest inference); gave up "
        f"{given_up:.1f} s after the run started ({len(pausers)} boots, each paused mid-inference)"
    )
    print(f"  error: {hung.error}")
    print(
        f"next board: verdict {healthy.verdict}, samples {healthy.metrics.get('samples')}, "
        f"agreement {healthy.metrics.get('agreement')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--inferences", type=int, default=2000)
    parser.add_argument("--rates", default="1e-4,1e-3,1e-2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("byte error rate on the link (bit flips; drops and duplicates at rate/10), QEMU mps2-an386")
        print(
            f"{'rate':>8} {'infers':>7} {'correct':>9} {'failed':>7} {'retries':>8} {'wrong':>6} "
            f"{'injected':>9} {'seconds':>7}"
        )
        for rate in (float(r) for r in args.rates.split(",")):
            print(error_rate_row(rate, args.inferences, work), flush=True)
        print()
        paused_board(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
