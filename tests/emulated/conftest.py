"""Emulated-board tests need QEMU and the Arm cross compiler (scripts/setup installs both)."""

from __future__ import annotations

import pytest

from tests.conftest import has_tools


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if has_tools("qemu-system-arm", "arm-none-eabi-gcc"):
        return
    skip = pytest.mark.skip(reason="qemu-system-arm or arm-none-eabi-gcc not on PATH (run scripts/setup)")
    for item in items:
        if "emulated" in item.nodeid:
            item.add_marker(skip)
