"""The portable C core, compiled for the host and unit-tested there."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("cc") is None, reason="no host C toolchain")
def test_firmware_core_host_tests() -> None:
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT / "firmware"), "test"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
