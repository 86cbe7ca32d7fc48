"""The optional `train` extra: rebuild the digits fixtures with tensorflow's converter.

Runs fixtures/build_digits.py in the training environment (.train, made by
scripts/test-job with `pip install tensorflow-cpu scikit-learn tflite-micro`;
TINYFARM_TRAIN_PYTHON overrides) into a temporary folder, then checks what it
built against the committed fixtures with the tflite-micro reference.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

TRAIN_PYTHON = Path(os.environ.get("TINYFARM_TRAIN_PYTHON", ROOT / ".train" / "bin" / "python"))


@pytest.mark.skipif(
    not TRAIN_PYTHON.exists(), reason="no training environment (.train; scripts/test-job makes it)"
)
def test_build_digits_reproduces_the_committed_models(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(TRAIN_PYTHON), str(FIXTURES / "build_digits.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    built = json.loads((tmp_path / "models" / "digits_models.json").read_text())["models"]
    committed = json.loads((FIXTURES / "models" / "digits_models.json").read_text())["models"]
    for name, facts in committed.items():
        assert built[name]["ops"] == facts["ops"]
        # Same data, seed and recipe: int8 accuracy within a sample or two of the committed one.
        assert abs(built[name]["int8_accuracy"] - facts["int8_accuracy"]) <= 2 / 360, name
    gap = built["digits_mlp_int8"]["int8_accuracy"] - built["digits_mlp_weak_int8"]["int8_accuracy"]
    assert 0.015 <= gap <= 0.03
