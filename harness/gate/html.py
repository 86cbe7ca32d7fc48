"""reports/report.html: one self-contained page (inline CSS and SVG, no scripts, no network).

Rendered from the dict results.json holds, the run history (trends, drift)
and whether a manifest was written, so `farm report reports/results.json`
rebuilds exactly what the run wrote.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from html import escape
from typing import Any

from harness.config import calibration
from harness.gate import svg
from harness.gate.history import Trend, gate_verdict

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#24292f;margin:24px 32px;
max-width:1320px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#57606a;font-size:13px}.meta code{font-size:12px}
.gate{display:inline-block;padding:4px 14px;border-radius:6px;font-weight:700;font-size:16px;color:#fff;
margin-right:10px}.gate.pass{background:#1a7f37;color:#fff}.gate.fail{background:#cf222e;color:#fff}.gate.incomplete{background:#9a6700;color:#fff}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.verdict{font-weight:700;text-align:center;min-width:90px}
.pass{color:#1a7f37}.fail{color:#cf222e}.error{color:#8250df}
td.verdict.pass{background:#dafbe1}td.verdict.fail{background:#ffebe9}td.verdict.error{background:#fbefff}
td.verdict.none{color:#8c959f}
tr.missed td{background:#fff5f5}.small{font-size:12px;color:#57606a}
.drift{color:#9a6700;font-weight:600}.tag{font-size:11px;border:1px solid #d0d7de;border-radius:10px;
padding:0 6px;margin-left:4px;color:#57606a}.note{background:#f6f8fa;border-left:3px solid #0969da;
padding:6px 10px;margin:8px 0;font-size:13px}
svg.plot{display:block;margin:4px 0 10px}svg.spark{vertical-align:middle}
"""

UNIT_DIGITS = {"ratio": "{:.4f}", "ms": "{:.4g}", "bytes": "{:,.0f}", "LSB": "{:g}"}


def _num(value: Any, unit: str | None = None) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    if unit in UNIT_DIGITS:
        return UNIT_DIGITS[unit].format(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _signed(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    text = _num(abs(value), unit)
    return ("+" if value >= 0 else "−") + text


def _latency_label(record: dict[str, Any]) -> str:
    return calibration.label(record.get("latency_calibration")) or str(record.get("latency_kind") or "–")


def _interval(metrics: dict[str, Any]) -> str:
    low, high = metrics.get("accuracy_ci_low"), metrics.get("accuracy_ci_high")
    if low is None or high is None:
        return _num(metrics.get("accuracy"), "ratio")
    level = f"{metrics.get('accuracy_ci_level', 0.95):.0%}"
    return (
        f'{_num(metrics.get("accuracy"), "ratio")} <span class="interval small">'
        f"[{low:.4f}, {high:.4f}] Wilson {level}, {metrics.get('accuracy_correct')}/"
        f"{metrics.get('samples')}</span>"
    )


class _Page:
    def __init__(self, results: dict[str, Any], trends: dict[tuple[str, str], Trend], manifest: bool):
        self.results = results
        self.trends = trends
        self.manifest = manifest
        self.records: list[dict[str, Any]] = list(results.get("records") or [])
        self.boards = list(dict.fromkeys(r["board"] for r in self.records))
        self.models = list(dict.fromkeys(r["model"] for r in self.records))
        self.by_key = {(r["board"], r["model"]): r for r in self.records}
        self.out: list[str] = []

    def w(self, *parts: str) -> None:
        self.out.extend(parts)

    def render(self) -> str:
        farm = escape(str(self.results.get("farm") or "farm"))
        self.w(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>tinyfarm report: {farm}</title><style>{CSS}</style></head><body>",
        )
        self.header()
        self.matrix()
        self.not_run()
        self.infrastructure()
        self.model_failures()
        self.drifts()
        for model in self.models:
            self.model_section(model)
        self.w("</body></html>\n")
        return "".join(self.out)

    def not_run(self) -> None:
        """What an incomplete run did not judge, and why."""
        missing = self.results.get("not_run") or []
        reason = self.results.get("reason")
        if self.results.get("status") != "incomplete":
            return
        self.w("<h2 id='incomplete'>Incomplete run</h2>", f"<p>{escape(str(reason or ''))}</p>")
        if missing:
            self.w("<table><tr><th>board</th><th>model</th><th>why it was not judged</th></tr>")
            for entry in missing:
                self.w(
                    f"<tr><td>{escape(str(entry.get('board')))}</td><td>{escape(str(entry.get('model')))}</td>"
                    f"<td>{escape(str(entry.get('reason')))}</td></tr>"
                )
            self.w("</table>")

    def header(self) -> None:
        r = self.results
        gate = gate_verdict(r)
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(r.get("started") or 0)))
        counts = {v: sum(x.get("verdict") == v for x in self.records) for v in ("pass", "fail", "error")}
        mode = (
            "smoke run (stratified subset): accuracy gates on the upper bound of the Wilson 95% interval"
            if r.get("smoke")
            else "full run: accuracy gates on the point estimate; the Wilson 95% interval is shown"
        )
        manifest = (
            "manifest.json written: this run may be promoted"
            if self.manifest
            else "no manifest.json: the run did not judge everything it selected"
            if gate == "incomplete"
            else "no manifest.json: the gate did not pass"
            if gate != "pass"
            else "no manifest.json for this run"
        )
        self.w(
            f"<h1>tinyfarm release gate: {escape(str(r.get('farm')))}</h1>",
            f'<p><span class="gate {gate}" id="gate">{gate.upper()}</span>',
            f'<span class="pass">{counts["pass"]} pass</span> · ',
            f'<span class="fail">{counts["fail"]} fail</span> · ',
            f'<span class="error">{counts["error"]} error</span> · {escape(manifest)}</p>',
            f'<p class="meta">started {started} · {escape(mode)} · ',
            f"tinyfarm {escape(str(r.get('tinyfarm_version')))} · {escape(str(r.get('farm_toml')))} ",
            f"<code>{escape(str(r.get('farm_sha256') or '')[:16])}</code></p>",
        )

    def matrix(self) -> None:
        self.w("<h2>Verdicts</h2><table class='matrix' id='matrix'><tr><th>board \\ model</th>")
        self.w(*(f"<th>{escape(m)}</th>" for m in self.models), "</tr>")
        for board in self.boards:
            self.w(f"<tr><th>{escape(board)}</th>")
            for model in self.models:
                rec = self.by_key.get((board, model))
                if rec is None:
                    self.w("<td class='verdict none'>–</td>")
                    continue
                verdict = rec.get("verdict", "error")
                why = ""
                if verdict == "fail":
                    why = ", ".join(b["name"] for b in rec.get("budgets", []) if not b.get("ok"))
                elif verdict == "error":
                    why = str(rec.get("error_class") or "error")
                trend = self.trends.get((board, model))
                drift = " <span class='drift' title='drift'>⚠ drift</span>" if trend and trend.drifts else ""
                self.w(
                    f"<td class='verdict {escape(verdict)}' data-board='{escape(board)}' "
                    f"data-model='{escape(model)}'>{escape(verdict)}{drift}"
                    + (f"<div class='small'>{escape(why)}</div>" if why else "")
                    + "</td>"
                )
            self.w("</tr>")
        self.w("</table>")

    def infrastructure(self) -> None:
        errors = [r for r in self.records if r.get("verdict") == "error" and r.get("error_class") != "model"]
        quarantined = self.results.get("quarantined") or []
        self.w("<h2>Infrastructure errors</h2>")
        self.w(
            "<p class='small'>The board, its link or a tool failed: nothing was learned about the model. "
            "Retried within limits; a board that keeps failing is quarantined.</p>"
        )
        if not errors and not quarantined:
            self.w("<p id='infra-none'>None.</p>")
            return
        self.w("<table id='infra'><tr><th>board</th><th>model</th><th>error</th></tr>")
        for r in errors:
            self.w(
                f"<tr><td>{escape(r['board'])}</td><td>{escape(r['model'])}</td>"
                f"<td>{escape(str(r.get('error')))}</td></tr>"
            )
        for q in quarantined:
            self.w(
                f"<tr><td>{escape(str(q.get('board')))}</td><td>(quarantined)</td>"
                f"<td>{escape(str(q.get('reason')))}</td></tr>"
            )
        self.w("</table>")

    def model_failures(self) -> None:
        self.w("<h2>Model failures</h2>")
        rows = []
        for r in self.records:
            if r.get("verdict") == "error" and r.get("error_class") == "model":
                rows.append((r, "(does not run)", "", "", "", str(r.get("error"))))
            for b in r.get("budgets") or []:
                if not b.get("ok"):
                    unit = b.get("unit", "")
                    rows.append(
                        (
                            r,
                            b["name"],
                            _num(b.get("limit"), unit),
                            _num(b.get("actual"), unit),
                            _signed(b.get("margin"), unit),
                            str(b.get("detail") or ""),
                        )
                    )
        if not rows:
            self.w("<p id='model-none'>None: every budget was met.</p>")
            return
        self.w(
            "<table id='model-failures'><tr><th>board</th><th>model</th><th>budget</th><th>limit</th>"
            "<th>actual</th><th>margin</th><th>figures</th></tr>"
        )
        for r, name, limit, actual, margin, detail in rows:
            self.w(
                f"<tr class='missed'><td>{escape(r['board'])}</td><td>{escape(r['model'])}</td>"
                f"<td>{escape(name)}</td><td class='num'>{limit}</td><td class='num'>{actual}</td>"
                f"<td class='num'>{margin}</td><td class='small'>{escape(detail)}</td></tr>"
            )
        self.w("</table>")

    def drifts(self) -> None:
        flagged = [(key, d) for key, t in self.trends.items() for d in t.drifts]
        self.w("<h2>Drift against recent runs</h2>")
        self.w(
            "<p class='small'>Each key metric against the median of up to 10 earlier runs of the same kind "
            "(smoke or full): accuracy down more than 1 point, latency p95 or memory changed more than 5%. "
            "A drift is news even when every budget still passes.</p>"
        )
        if not flagged:
            self.w("<p id='drift-none'>No drift.</p>")
            return
        self.w("<table id='drift'><tr><th>board</th><th>model</th><th>drift</th></tr>")
        for (board, model), d in flagged:
            self.w(
                f"<tr><td>{escape(board)}</td><td>{escape(model)}</td>"
                f"<td class='drift'>{escape(d.describe())}</td></tr>"
            )
        self.w("</table>")

    def model_section(self, model: str) -> None:
        records = [r for r in self.records if r["model"] == model]
        measured = [r for r in records if r.get("metrics")]
        self.w(f"<h2 id='model-{escape(model)}'>Model {escape(model)}</h2>")
        sha = next((r["identity"].get("model_sha256") for r in measured if r.get("identity")), None)
        if sha:
            self.w(f"<p class='meta'>sha256 <code>{escape(str(sha))}</code></p>")
        self.budget_table(records)
        self.latency_plot(measured)
        self.memory_plot(measured)
        self.baseline_table(measured)
        self.trend_table(records)

    def budget_table(self, records: Iterable[dict[str, Any]]) -> None:
        self.w(
            "<h3>Budgets</h3><table class='budgets'><tr><th>board</th><th>budget</th><th>limit</th>"
            "<th>actual</th><th>margin</th><th>judged on</th><th></th></tr>"
        )
        for r in records:
            budgets = r.get("budgets") or []
            if not budgets:
                self.w(
                    f"<tr><td>{escape(r['board'])}</td>"
                    f"<td colspan='6' class='{escape(r.get('verdict', ''))}'>"
                    f"{escape(str(r.get('error') or 'no budgets'))}</td></tr>"
                )
            for b in budgets:
                unit = b.get("unit", "")
                ok = bool(b.get("ok"))
                basis = b.get("basis") or (
                    "prediction" if str(b.get("metric")).endswith("_predicted") else ""
                )
                actual = _num(b.get("actual"), unit)
                if b["name"] == "accuracy_min":
                    actual = f"{actual}<div class='small'>{_interval(r.get('metrics') or {})}</div>"
                self.w(
                    f"<tr class='budget{'' if ok else ' missed'}' data-board='{escape(r['board'])}' "
                    f"data-budget='{escape(b['name'])}'><td>{escape(r['board'])}</td>"
                    f"<td>{escape(b['name'])}</td>"
                    f"<td class='num limit'>{'≥' if b.get('kind') == 'min' else '≤'} "
                    f"{_num(b.get('limit'), unit)}"
                    f" <span class='small'>{escape(unit)}</span></td>"
                    f"<td class='num actual'>{actual}</td>"
                    f"<td class='num margin'>{_signed(b.get('margin'), unit)}</td>"
                    f"<td class='small'>{escape(basis)}</td>"
                    f"<td class='{'pass' if ok else 'fail'}'>{'ok' if ok else 'MISSED'}</td></tr>"
                )
        self.w("</table>")

    def latency_plot(self, records: list[dict[str, Any]]) -> None:
        strips = []
        labels = []
        for r in records:
            m = r["metrics"]
            limit = next(
                (
                    b["limit"]
                    for b in r.get("budgets") or []
                    if b["name"] == "latency_p95_ms" and not str(b.get("metric")).endswith("_predicted")
                ),
                None,
            )
            strips.append(svg.Strip(r["board"], m.get("latency_samples_ms") or [], svg.ACCENT, limit))
            base = m.get("baseline") or {}
            if base.get("latency_samples_ms"):
                strips.append(svg.Strip(f"{r['board']} (baseline)", base["latency_samples_ms"], svg.BASE))
            labels.append(
                f"<li>{escape(r['board'])}: p50 {_num(m.get('latency_p50_ms'), 'ms')} ms, "
                f"p95 {_num(m.get('latency_p95_ms'), 'ms')} ms, n {_num(m.get('latency_n'))}: "
                f"<span class='latency-kind'>{escape(_latency_label(r))}</span></li>"
            )
        plot = svg.latency_strips(strips)
        if not plot and not labels:
            return
        self.w("<h3>Latency per inference</h3>", plot or "<p class='small'>No per-sample latencies.</p>")
        self.w("<ul class='small'>", *labels, "</ul>")

    def memory_plot(self, records: list[dict[str, Any]]) -> None:
        bars = []
        for r in records:
            m = r["metrics"]
            limits = {b["name"]: b["limit"] for b in r.get("budgets") or []}
            if m.get("flash_bytes") is not None:
                bars.append(
                    svg.Bar(
                        f"{r['board']} flash",
                        m["flash_bytes"],
                        m.get("board_flash_bytes"),
                        limits.get("flash_bytes_max"),
                    )
                )
            if m.get("ram_bytes") is not None:
                bars.append(
                    svg.Bar(
                        f"{r['board']} RAM",
                        m["ram_bytes"],
                        m.get("board_ram_bytes"),
                        limits.get("ram_bytes_max"),
                    )
                )
        if bars:
            self.w(
                "<h3>Memory against the board</h3><p class='small'>flash: firmware + model; "
                "RAM: static data, stack and the model's arena. The red tick is the budget.</p>",
                svg.memory_bars(bars),
            )

    def baseline_table(self, records: list[dict[str, Any]]) -> None:
        with_base = [r for r in records if r["metrics"].get("baseline")]
        if not with_base:
            return
        self.w(
            "<h3>Candidate against baseline</h3><table class='baseline'><tr><th>board</th><th>metric</th>"
            "<th>candidate</th><th>baseline</th><th>change</th></tr>"
        )
        rows = (
            ("accuracy", "ratio", "accuracy_drop", "drop"),
            ("latency_p95_ms", "ms", "latency_increase", "increase"),
            ("arena_bytes", "bytes", "arena_increase", "increase"),
            ("flash_bytes", "bytes", "flash_increase", "increase"),
            ("ram_bytes", "bytes", "ram_increase", "increase"),
        )
        for r in with_base:
            m, base = r["metrics"], r["metrics"]["baseline"]
            for key, unit, delta, word in rows:
                if m.get(key) is None and base.get(key) is None:
                    continue
                change = m.get(delta)
                shown = (
                    "–"
                    if change is None
                    else f"{word} {change:+.4f}"
                    if unit == "ratio"
                    else f"{change:+.2%}"
                )
                cand = _interval(m) if key == "accuracy" else _num(m.get(key), unit)
                basev = _interval(base) if key == "accuracy" else _num(base.get(key), unit)
                self.w(
                    f"<tr><td>{escape(r['board'])}</td><td>{key}</td><td class='num'>{cand}</td>"
                    f"<td class='num'>{basev}</td><td class='num'>{escape(shown)}</td></tr>"
                )
        self.w("</table>")

    def trend_table(self, records: list[dict[str, Any]]) -> None:
        metrics = (
            ("accuracy", "ratio"),
            ("latency_p95_ms", "ms"),
            ("arena_bytes", "bytes"),
            ("flash_bytes", "bytes"),
        )
        trends = [
            self.trends[(r["board"], r["model"])] for r in records if (r["board"], r["model"]) in self.trends
        ]
        if not trends:
            return
        self.w(
            "<h3>Trend over recent runs</h3><table class='trend'><tr><th>board</th><th>runs</th>",
            *(f"<th>{m}</th>" for m, _ in metrics),
            "</tr>",
        )
        for t in trends:
            drifted = {d.metric for d in t.drifts}
            self.w(
                f"<tr data-board='{escape(t.board)}' data-model='{escape(t.model)}'>"
                f"<td>{escape(t.board)}</td>"
                f"<td class='num runs'>{len(t.runs)}</td>"
            )
            for metric, unit in metrics:
                series = t.series(metric)
                if all(v is None for v in series):
                    self.w("<td>–</td>")
                    continue
                flag = " <span class='drift'>⚠</span>" if metric in drifted else ""
                self.w(
                    f"<td>{svg.sparkline(series, flagged=metric in drifted)} "
                    f"<span class='num'>{_num(series[-1], unit)}</span>{flag}</td>"
                )
            self.w("</tr>")
        self.w("</table>")


def render(
    results: dict[str, Any], trends: dict[tuple[str, str], Trend] | None = None, manifest: bool = False
) -> str:
    """The whole page as one string."""
    return _Page(results, trends or {}, manifest).render()
