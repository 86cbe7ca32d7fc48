"""JUnit XML for `farm run`: the testcases `pytest --farm` writes, without pytest.

One testcase per board × model × check, classname `board.model`, name the
check; properties name the board, the model, its identity and each budget's
limit, actual, unit and margin. A pair that could not be measured reports its
error once, on its first check (`<error>` for infrastructure, `<failure>` for
a model the board cannot take); its other checks are skipped as not judged.
A missed budget is a `<failure>` listing every budget of its check.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from junit_xml import TestCase, TestSuite

from harness.errors import MODEL
from harness.gate.budgets import for_check
from harness.gate.record import Record

FILENAME = "junit.xml"
Case = tuple[TestCase, list[tuple[str, str]]]
# Characters XML 1.0 cannot carry (an agent's garbage in an error message).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def checks_for(has_labels: bool, has_baseline: bool) -> list[str]:
    """The checks a board × model gets, in the plugin's order."""
    return ["smoke", *(["accuracy"] if has_labels else []), "agreement", "latency", "memory"] + (
        ["baseline"] if has_baseline else []
    )


def _properties(record: Record, check: str) -> list[tuple[str, str]]:
    props = [("board", record.board), ("model", record.model)]
    props += [(f"identity.{k}", str(v)) for k, v in record.identity.items()]
    for result in for_check(record.budget_results(), check):
        for field in ("limit", "actual", "unit", "margin", "basis", "detail"):
            value = getattr(result, field)
            if value is not None or field in ("limit", "actual"):
                props.append((f"{result.name}.{field}", str(value)))
    return props


def cases(record: Record, checks: list[str]) -> list[Case]:
    """The testcases of one board × model."""
    out: list[Case] = []
    classname = f"{record.board}.{record.model}"
    for index, check in enumerate(checks):
        case = TestCase(check, classname=classname)
        where = f"{record.board}::{record.model}"
        if record.verdict == "error":
            if index:
                case.add_skipped_info(f"not judged: {where} had an error, reported by its {checks[0]} check")
            elif record.error_class == MODEL:
                case.add_failure_info(f"{where}: model error: {record.error}")
            else:
                case.add_error_info(f"{where}: infrastructure error: {record.error}")
        else:
            missed = [r for r in for_check(record.budget_results(), check) if not r.ok]
            if missed:
                case.add_failure_info("\n".join(f"{where}: {r.describe()}" for r in missed))
        out.append((case, _properties(record, check)))
    return out


def write(path: Path, suite: str, all_cases: list[Case]) -> Path:
    """Write junit.xml atomically (a reader never sees half a file)."""
    element = TestSuite(suite, [case for case, _ in all_cases]).build_xml_doc()
    for testcase, (_, props) in zip(element.iter("testcase"), all_cases, strict=True):
        holder = ET.Element("properties")
        for name, value in props:
            ET.SubElement(holder, "property", {"name": name, "value": _ILLEGAL.sub("?", value)})
        testcase.insert(0, holder)
    root = ET.Element("testsuites")
    root.append(element)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)
    return path
