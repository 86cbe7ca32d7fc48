"""Faults on the link never hang a run, never lose a result, never pass a wrong one.

Runs against the agent's host build (the `fake` backend) so hundreds of
inferences take seconds; bench/reliability.py runs the same on QEMU at
scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.boards.firmware import default_build_root
from harness.config.model import BoardConfig
from harness.models.reference import Reference
from harness.run.faults import FaultSpec, FaultyLink, tally_inferences
from harness.run.journal import SampleJournal
from harness.run.recovery import RecoveringRun, RetryPolicy
from harness.run.runner import build_firmware, measure, open_backend
from tests.conftest import FIXTURES

DIGITS = FIXTURES / "models" / "digits_mlp_int8.tflite"


def digits_inputs(n: int) -> np.ndarray:
    x = np.load(FIXTURES / "data" / "digits_test.npz")["x"][:n]
    return np.clip(np.round(x * 255) - 128, -128, 127).astype(np.int8)


@pytest.mark.parametrize(("rate", "least_correct"), [(1e-3, 1.0), (1e-2, 0.5)])
def test_corrupted_dropped_duplicated_bytes_are_recovered(
    tmp_path: Path, rate: float, least_correct: float
) -> None:
    backend = open_backend(BoardConfig(name="noisy", backend="fake"), tmp_path)
    firmware = build_firmware(backend, default_build_root())
    inputs = digits_inputs(150)
    reference = Reference(DIGITS)
    expected = [reference.run(x).tobytes() for x in inputs]
    links: list[FaultyLink] = []

    def wrap(link):  # type: ignore[no-untyped-def]
        links.append(FaultyLink(link, FaultSpec(corrupt=rate, drop=rate / 10, duplicate=rate / 10, seed=1)))
        return links[-1]

    run = RecoveringRun(backend, firmware, DIGITS.read_bytes(), RetryPolicy(), wrap)
    try:
        run.start()
        tally = tally_inferences(run, list(inputs), expected)
    finally:
        run.close()
    assert tally.wrong == 0  # a damaged result is never accepted
    assert tally.correct >= least_correct * len(inputs)
    assert sum(sum(link.injected.values()) for link in links) > 0
    assert tally.retries > 0


def test_journal_keeps_every_sample_and_resumes(tmp_path: Path) -> None:
    backend = open_backend(BoardConfig(name="j", backend="fake"), tmp_path)
    firmware = build_firmware(backend, default_build_root())
    inputs = digits_inputs(30)
    journal = SampleJournal(tmp_path / "journal", "digits", {"inputs": "x"})
    full = measure(backend, firmware, DIGITS.read_bytes(), inputs, journal=journal)
    # Cut the journal as a SIGKILL would: 12 samples and half a line.
    lines = journal.path.read_text().splitlines()
    journal.path.write_text("\n".join(lines[:13]) + "\n" + lines[13][:20])
    resumed = measure(backend, firmware, DIGITS.read_bytes(), inputs, journal=journal)
    assert resumed.resumed_samples == 12
    assert np.array_equal(resumed.outputs, full.outputs)
