"""Shared test helpers: the repository's fixtures and a farm.toml writer."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
pytest_plugins = ["pytester"]


def has_tools(*names: str) -> bool:
    return all(shutil.which(n) for n in names)


@pytest.fixture
def write_farm(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a farm.toml (and copies of the fixture files it names) into tmp_path."""

    def write(text: str, files: tuple[str, ...] = ()) -> Path:
        for name in files:
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(FIXTURES / name, target)
        path = tmp_path / "farm.toml"
        path.write_text(textwrap.dedent(text))
        return path

    return write
