"""report.html as a browser renders it: headless Chromium loads the page (no network) and
the test reads the rendered DOM: verdict cells, budget numbers, plots and trends."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.gate.finish import write_reports
from tests.unit.report_samples import sample_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup chromium)")


def chromium(page: Path, profile: Path, *args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


class Cells(HTMLParser):
    """Every element with a class, its attributes, and the text inside it."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[tuple[str, dict[str, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        entry = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(entry)
        if tag not in ("circle", "line", "rect", "polyline", "meta", "br", "path"):
            self.open.append(entry)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, _, text in self.open:
            text.append(data)

    def find(self, tag: str, css: str) -> list[tuple[dict[str, str], str]]:
        return [
            (attrs, "".join(text).strip())
            for t, attrs, text in self.elements
            if t == tag and set(css.split()) <= set(attrs.get("class", "").split())
        ]


def test_rendered_report_shows_verdicts_budgets_plots_and_trend(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for i in range(2):
        write_reports(sample_results(started=1_800_000_000.0 + 60 * i), reports)
    last = sample_results(started=1_800_000_120.0, p95=0.46, infra_error=True)  # drifts, still in budget
    write_reports(last, reports)
    dom = chromium(reports / "report.html", tmp_path / "profile", "--dump-dom")
    cells = Cells()
    cells.feed(dom)

    verdicts = {(a["data-board"], a["data-model"]): text for a, text in cells.find("td", "verdict")}
    assert verdicts[("nano33ble-emu", "digits-mlp")].startswith("pass")
    assert "drift" in verdicts[("nano33ble-emu", "digits-mlp")]
    assert verdicts[("nucleo-l4r5zi-emu", "digits-mlp")].startswith("error")
    (gate,) = [text for a, text in cells.find("span", "gate")]
    assert gate == "FAIL"  # an infrastructure error: nothing to promote

    budgets = {(a["data-board"], a["data-budget"]): a for a, _ in cells.find("tr", "budget")}
    assert ("nano33ble-emu", "latency_p95_ms") in budgets
    limits = [t for _, t in cells.find("td", "limit")]
    actuals = [t for _, t in cells.find("td", "actual")]
    margins = [t for _, t in cells.find("td", "margin")]
    assert "≤ 5 ms" in limits and "0.46" in actuals and "+4.54" in margins
    assert any(t.startswith("0.9694") and "[0.9461, 0.9829] Wilson 95%, 349/360" in t for t in actuals)

    assert len(cells.find("svg", "plot latency")) == 1
    assert len(cells.find("svg", "plot memory")) == 1
    assert sum(1 for t, _, _ in cells.elements if t == "circle") > 360  # every sample is a dot
    sparks = cells.find("svg", "spark")
    assert sparks and {a["data-points"] for a, _ in sparks} >= {"3"}
    runs = [t for _, t in cells.find("td", "runs")]
    assert runs.count("3") == 2  # both boards that ran three times
    assert "latency_p95_ms 0.46 vs median 0.425 of 2 earlier run(s): +8.2%" in dom
    assert "no HELLO within 5 s" in dom

    shot = tmp_path / "report.png"
    chromium(reports / "report.html", tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,2000")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
