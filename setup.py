"""Packaging hook: the wheel is the product, so it carries the device agent's
C sources and the Renode scripts as package data (harness/_data/), built per
board into a per-user cache at run time. Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("firmware", "renode_scripts")
NOT_SHIPPED = shutil.ignore_patterns("build", "__pycache__", "*.o", "*.d", "*.pyc", "crash-*", "corpus")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders (harness/paths.py)
        root = Path(__file__).resolve().parent
        for name in SHIPPED:
            target = Path(self.build_lib) / "harness" / "_data" / name
            shutil.copytree(root / name, target, dirs_exist_ok=True, ignore=NOT_SHIPPED)


setup(cmdclass={"build_py": BuildPyWithData})
