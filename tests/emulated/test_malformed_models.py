"""Malformed models reach the host as clear errors; the board keeps answering."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

from harness.boards.firmware import default_build_root
from harness.config.model import BoardConfig
from harness.errors import DeviceError
from harness.models.reference import Reference
from harness.models.synth import requantize_model
from harness.run.runner import BoardRun, build_firmware, open_backend
from tests.conftest import FIXTURES

KWS = FIXTURES / "models" / "kws_ref_model.tflite"


def _bad_root(model: bytes) -> bytes:
    return struct.pack("<I", len(model) + 4096) + model[4:]


MALFORMED = {
    "truncated": (lambda: KWS.read_bytes()[:20_000], 4, ""),
    "root offset outside the file": (lambda: _bad_root(KWS.read_bytes()), 4, ""),
    "unsupported op": (
        lambda: requantize_model(16, op=tfl.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_RNN),
        5,
        "RNN",
    ),
    "wrong tensor type": (lambda: requantize_model(16, dtype=tfl.TensorType.COMPLEX64), 5, "tensor"),
}


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardRun]:
    config = BoardConfig(name="t-malformed", backend="qemu", options={"machine": "mps2-an386"})
    backend = open_backend(config, tmp_path_factory.mktemp("malformed"))
    with BoardRun(backend, build_firmware(backend, default_build_root()), KWS.read_bytes()) as run:
        yield run
    backend.close()


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_model_is_refused_and_board_still_answers(board: BoardRun, case: str) -> None:
    make, code, words = MALFORMED[case]
    with pytest.raises(DeviceError) as info:
        board.session.load_model(make())
    assert info.value.code == code, info.value
    assert words in info.value.message
    assert info.value.error_class == "model"
    assert board.session.hello().port == "mps2_an386"
    # ... and still runs a good model afterwards, bit-exact.
    board.session.load_model(KWS.read_bytes())
    x = np.random.default_rng(1).integers(-128, 128, (1, 49, 10, 1), dtype=np.int8)
    output = board.session.infer(x.tobytes()).output
    assert output == Reference(KWS).run(x).tobytes()


def test_model_too_big_for_the_slot(board: BoardRun, tmp_path: Path) -> None:
    too_big = bytes(board.hello.model_slot_size + 1)
    with pytest.raises(DeviceError) as info:
        board.session.load_model(too_big)
    assert info.value.code == 8 and info.value.error_class == "model"
