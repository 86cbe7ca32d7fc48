"""The package tree follows the data flow: no import cycles among harness
modules, and the top level stays small (the layer contracts themselves are
import-linter's, run by scripts/test-job)."""

from __future__ import annotations

from pathlib import Path

import grimp

HARNESS = Path(__file__).resolve().parents[2] / "harness"


def strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm over the module graph; components of two or more are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            found.append(component)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return [c for c in found if len(c) > 1]


def test_no_import_cycles_among_harness_modules() -> None:
    # Package __init__ re-exports are edges too; TYPE_CHECKING imports are not.
    graph = grimp.build_graph("harness", exclude_type_checking_imports=True)
    assert strongly_connected(graph) == []


def test_the_top_level_stays_small() -> None:
    modules = [p for p in HARNESS.glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= 10, sorted(p.name for p in modules)


def test_each_subpackage_stays_readable() -> None:
    for package in (p for p in HARNESS.iterdir() if (p / "__init__.py").exists()):
        lines = sum(len(f.read_text().splitlines()) for f in package.rglob("*.py"))
        assert lines < 2000, f"{package.name}: {lines} lines"
        doc = (package / "__init__.py").read_text()
        assert doc.lstrip().startswith('"""'), f"{package.name}/__init__.py says what belongs there"
