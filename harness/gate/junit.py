"""JUnit XML as dashboards read it: the suite named after the farm, and farm
checks under classname `board.model` (pytest would write `farm.toml.board.model`,
whose dots split the file name into packages)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path


def relabel(path: Path, suite: str, farm_file: str, boards: set[str], models: set[str]) -> None:
    """Rewrite pytest's junit.xml in place (atomically); tests of the user's own keep their names."""
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError):
        return
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for element in suites:
        element.set("name", suite)
    prefix = farm_file.replace("/", ".") + "."
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        if not classname.startswith(prefix):
            continue
        board_model = classname[len(prefix) :]
        board, _, model = board_model.partition(".")
        # names are identifiers and may hold dots: match against the farm's names
        for name in boards:
            rest = board_model[len(name) + 1 :]
            if board_model.startswith(name + ".") and rest in models:
                board, model = name, rest
        if board in boards and model in models:
            case.set("classname", f"{board}.{model}")
    tmp = path.with_name(path.name + ".tmp")
    tree.write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)
