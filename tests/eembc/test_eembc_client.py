"""The EEMBC client against real peers on a pty: the agent's C personality
(host build) and the independent scripted MLPerf Tiny device, with faults."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from harness.boards.firmware import BuildSpec, build
from harness.errors import INFRASTRUCTURE, MODEL, AgentTimeout, ProtocolError
from harness.link.eembc import EembcError, EembcSession
from harness.link.links import SerialLink
from harness.link.timeouts import Timeouts
from harness.models.prepare import quantize
from harness.models.reference import Reference
from tests.conftest import FIXTURES
from tests.eembc.device import Faults, MlperfTinyDevice, dataset, rule

MODEL_FILE = FIXTURES / "models" / "digits_mlp_int8.tflite"
FAST = Timeouts(link_bytes_per_s=100_000.0, floor=0.5, ceiling=5.0, expected_infer_s=0.05)


@pytest.fixture(scope="module")
def personality(tmp_path_factory: pytest.TempPathFactory) -> Path:
    image = build(BuildSpec("host", "eembc-host", protocol="eembc"), tmp_path_factory.mktemp("fw"))
    assert image.host_binary is not None
    return image.host_binary


@pytest.fixture
def c_device(personality: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [str(personality), "--slot", str(MODEL_FILE)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    yield process.stdout.readline().split()[1]
    process.terminate()
    process.wait(timeout=5)


def test_c_personality_matches_the_reference(c_device: str) -> None:
    reference = Reference(MODEL_FILE)
    with np.load(FIXTURES / "data" / "digits_test.npz") as data:
        x = quantize(data["x"][:12], reference.input)
    session = EembcSession(SerialLink(c_device), "c", FAST)
    assert session.hello() == "tinyfarm-eembc-host"
    assert session.profile["profile"] == "tinyfarm EEMBC personality"
    spec = reference.output
    for sample in x:
        got = np.array(session.run(sample.tobytes()).results)
        want = spec.scale * (reference.run(sample).astype(np.float64).ravel() - spec.zero_point)
        assert np.max(np.abs(got - want)) <= 0.0005 + 1e-6  # rounded to 3 decimals
    timed = session.run(x[0].tobytes(), 10, 2)
    assert timed.elapsed_us is not None and timed.elapsed_us >= 0 and timed.iterations == 10
    session.link.close()


def test_c_personality_reports_a_wrong_input_size_as_a_model_error(c_device: str) -> None:
    session = EembcSession(SerialLink(c_device), "c", FAST)
    session.hello()
    session.command("db load 10")
    with pytest.raises(EembcError) as info:
        session.infer(1, 0)
    assert info.value.error_class == MODEL
    assert "Input has 0 bytes, model expects 64" in str(info.value)
    session.link.close()


def run_scripted(faults: Faults) -> tuple[EembcSession, MlperfTinyDevice]:
    device = MlperfTinyDevice(faults=faults).__enter__()
    session = EembcSession(SerialLink(device.port), "scripted", FAST)
    session.hello()
    return session, device


def test_scripted_device_results_and_runner_timing() -> None:
    session, device = run_scripted(Faults())
    x, y = dataset(5)
    for sample, label in zip(x, y, strict=True):
        result = session.run(sample.tobytes())
        assert int(np.argmax(result.results)) == label == rule(sample.tobytes(), 10)
        assert result.decimals == 3
    timed = session.run(x[0].tobytes(), 20, 5)
    assert timed.elapsed_us == 20 * device.us_per_inference
    device.__exit__()


@pytest.mark.parametrize("fault", ["garbage_on_infer", "reset_on_infer", "silent_on_infer"])
def test_one_fault_is_retried_after_a_resync(fault: str) -> None:
    session, device = run_scripted(Faults(**{fault: 1}))
    sample = dataset(1)[0][0].tobytes()
    result = session.run(sample)
    assert int(np.argmax(result.results)) == rule(sample, 10)
    assert session.retries == 1 and session.resyncs == 1
    device.__exit__()


@pytest.mark.parametrize(
    ("fault", "error"), [("garbage_on_infer", ProtocolError), ("silent_on_infer", AgentTimeout)]
)
def test_a_lasting_fault_is_a_classified_error_within_the_bound(fault: str, error: type) -> None:
    session, device = run_scripted(Faults(**{fault: 100}))
    started = time.monotonic()
    with pytest.raises(error) as info:
        session.run(dataset(1)[0][0].tobytes())
    assert info.value.error_class == INFRASTRUCTURE
    bound = FAST.infer(1000) * 4 + 4 * FAST.reply(1000) * 10
    assert time.monotonic() - started < bound
    assert "infer" in str(info.value)
    device.__exit__()


def test_device_error_text_is_kept_and_a_model_error_is_not_retried() -> None:
    session, device = run_scripted(Faults(error_on_infer="Model needs 120000 bytes of arena, 65536 free"))
    with pytest.raises(EembcError) as info:
        session.run(dataset(1)[0][0].tobytes())
    assert info.value.error_class == MODEL
    assert "e-[Model needs 120000 bytes of arena, 65536 free]" in str(info.value)
    assert session.retries == 0
    assert sum(cmd.startswith("infer") for cmd in device.faults.seen) == 1
    device.__exit__()
