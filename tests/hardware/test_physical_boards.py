"""On each physical board of the farm file: identity, flashing, the link, a reset, an inference.

Run: pytest tests/hardware --farm-hardware --farm RACK.toml [--farm-board GLOB]
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from harness.backends.physical import PhysicalBackend
from harness.boards.firmware import FirmwareImage, default_build_root
from harness.config.model import BoardConfig
from harness.link.session import AgentSession
from harness.models.reference import Reference
from harness.run.runner import BoardRun, build_firmware, open_backend
from tests.conftest import FIXTURES

MODEL = FIXTURES / "models" / "digits_mlp_int8.tflite"


@pytest.fixture
def backend(
    physical_board: BoardConfig, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[PhysicalBackend]:
    if not fnmatch.fnmatchcase(physical_board.name, request.config.getoption("--farm-board")):
        pytest.skip(f"{physical_board.name} not selected by --farm-board")
    backend = open_backend(physical_board, tmp_path)
    assert isinstance(backend, PhysicalBackend)
    presence = backend.presence()
    if not presence.present:
        if physical_board.required:
            pytest.fail(f"required board {physical_board.name} is absent: {presence.reason}")
        pytest.skip(f"board {physical_board.name} absent: {presence.reason}")
    yield backend
    backend.close()


@pytest.fixture
def firmware(backend: PhysicalBackend) -> FirmwareImage:
    return build_firmware(backend, default_build_root())


def test_flash_then_hello_reports_the_build(backend: PhysicalBackend, firmware: FirmwareImage) -> None:
    with BoardRun(backend, firmware, MODEL.read_bytes()) as run:
        assert run.hello.build_id.hex() == firmware.build_id
        assert run.hello.port == backend.target
        assert run.session.echo(bytes(range(256))) == bytes(range(256))


def test_second_flash_of_the_same_build_is_skipped(backend: PhysicalBackend, firmware: FirmwareImage) -> None:
    model = MODEL.read_bytes()
    with BoardRun(backend, firmware, model):
        pass
    with BoardRun(backend, firmware, model):
        assert backend.skipped_flash


def test_port_comes_back_by_identity_after_reset(backend: PhysicalBackend, firmware: FirmwareImage) -> None:
    with BoardRun(backend, firmware, MODEL.read_bytes()):
        pass
    backend.reset()
    with backend.open_link() as link:  # waits for the port by identity, within port_timeout
        hello = AgentSession(link, backend.board.name).hello()
    assert hello.build_id.hex() == firmware.build_id


def test_inference_matches_tflite_micro(backend: PhysicalBackend, firmware: FirmwareImage) -> None:
    reference = Reference(MODEL)
    x = np.random.default_rng(4).integers(-128, 128, reference.input.shape, dtype=np.int8)
    with BoardRun(backend, firmware, MODEL.read_bytes()) as run:
        out = np.frombuffer(run.infer(x).output, np.int8)
        assert out.tolist() == reference.run(x).ravel().tolist()
        latency = backend.latency_model(run.hello.counter_hz)
        assert latency.kind == "measured"
