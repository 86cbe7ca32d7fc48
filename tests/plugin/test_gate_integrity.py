"""The gate never lies: no manifest without a complete, passing run; bad names and
bad data are config errors before any board starts; JUnit separates errors
from failures. Driven through pytest itself, against the `fake` backend (the
agent's C core on a pty)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import FIXTURES

FARM = """
[farm]
name = "gate-test"

{boards}

[[models]]
name = "digits"
path = "digits_mlp_int8.tflite"
dataset = "{dataset}"
samples = {samples}

[budgets.digits]
accuracy_min = 0.5
agreement_min = 1.0
latency_p95_ms = {latency}
"""


def fake_boards(count: int, extra: str = "") -> str:
    return "\n".join(f'[[boards]]\nname = "host-{i}"\nbackend = "fake"\n{extra}' for i in range(count))


@pytest.fixture
def farm_dir(pytester: pytest.Pytester) -> Path:
    shutil.copy(FIXTURES / "models" / "digits_mlp_int8.tflite", pytester.path)
    shutil.copy(FIXTURES / "data" / "digits_test.npz", pytester.path)
    return pytester.path


def write_farm(
    farm_dir: Path,
    boards: str = "",
    dataset: str = "digits_test.npz",
    samples: int = 30,
    latency: str = "1000",
) -> Path:
    path = farm_dir / "farm.toml"
    text = FARM.format(boards=boards or fake_boards(1), dataset=dataset, samples=samples, latency=latency)
    path.write_text(text)
    return path


def pytest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "--farm", "farm.toml", "-p", "no:cacheprovider", *args]


def results(farm_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((farm_dir / "reports" / "results.json").read_text())


def manifest(farm_dir: Path) -> Path:
    return farm_dir / "reports" / "manifest.json"


# -- interruption --------------------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "workers"),
    [(signal.SIGINT, ()), (signal.SIGTERM, ()), (signal.SIGINT, ("-n", "2")), (signal.SIGTERM, ("-n", "2"))],
    ids=["sigint", "sigterm", "sigint-n2", "sigterm-n2"],
)
def test_an_interrupted_run_leaves_no_manifest_and_says_incomplete(
    farm_dir: Path, signum: int, workers: tuple[str, ...]
) -> None:
    if workers:
        pytest.importorskip("xdist")
    write_farm(farm_dir, fake_boards(4), samples=360)
    process = subprocess.Popen(
        pytest_cmd(*workers), cwd=farm_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    results_file = farm_dir / "reports" / "results.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if results_file.exists() and json.loads(results_file.read_text() or "{}").get("records"):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 3, output
    assert not manifest(farm_dir).exists()
    concluded = results(farm_dir)
    assert concluded["status"] == "incomplete"
    assert "interrupted" in concluded["reason"]
    if len(concluded["records"]) < 4:  # the signal can land after the last pair was measured
        assert concluded["not_run"], "the pairs that did not run are listed"
    assert "INCOMPLETE" in (farm_dir / "reports" / "report.html").read_text()
    assert "tinyfarm: INCOMPLETE" in output or "INCOMPLETE" in output
    # the next run works, and passes
    again = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-3000:]
    assert manifest(farm_dir).exists()
    assert results(farm_dir)["status"] == "complete"


def test_a_failing_test_of_the_users_own_blocks_the_manifest(
    pytester: pytest.Pytester, farm_dir: Path
) -> None:
    write_farm(farm_dir)
    pytester.makepyfile(
        test_own="""
        def test_fails(agent):
            assert agent.echo(b"x") == b"y"
        """
    )
    result = pytester.runpytest_subprocess(
        "--farm", "farm.toml", "-p", "no:cacheprovider", "farm.toml", "test_own.py"
    )
    result.assert_outcomes(passed=5, failed=1)
    assert result.ret == 1
    assert not manifest(farm_dir).exists()
    assert results(farm_dir)["tests"]["failed"] == 1


def test_an_invalid_farm_after_a_passing_run_leaves_no_manifest(farm_dir: Path) -> None:
    write_farm(farm_dir)
    assert subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, timeout=300).returncode == 0
    assert manifest(farm_dir).exists()
    (farm_dir / "farm.toml").write_text((farm_dir / "farm.toml").read_text().replace('"fake"', '"fak"'))
    bad = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert "unknown backend 'fak'" in bad.stdout + bad.stderr
    assert not manifest(farm_dir).exists()
    assert not (farm_dir / "reports" / "results.json").exists()  # no stale results read as this run's


def test_a_run_that_judges_nothing_fails(pytester: pytest.Pytester, farm_dir: Path) -> None:
    write_farm(farm_dir)
    result = pytester.runpytest_subprocess("--farm", "farm.toml", "--farm-board", "nothing-*")
    assert result.ret == 3
    result.stdout.fnmatch_lines(["*nothing was tested*"])
    assert not manifest(farm_dir).exists()


# -- names and data --------------------------------------------------------------


@pytest.mark.parametrize("name", ["../x", "$(shell touch PWNED)", 'a"b', "a\nb", "a\x1b[31mred"])
def test_board_and_model_names_are_identifiers(farm_dir: Path, name: str) -> None:
    toml_name = json.dumps(name)  # a TOML basic string with the escapes it needs
    for boards, model_name in (
        (f'[[boards]]\nname = {toml_name}\nbackend = "fake"\n', None),
        ("", toml_name),
    ):
        path = write_farm(farm_dir, boards)
        if model_name:
            path.write_text(path.read_text().replace('name = "digits"', f"name = {model_name}"))
            path.write_text(
                path.read_text().replace("[budgets.digits]", "[budgets.other]").split("[budgets")[0]
            )
        before = set(farm_dir.parent.iterdir())
        done = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "an identifier: letters, digits" in done.stdout + done.stderr
        assert "\x1b" not in done.stdout + done.stderr
        assert set(farm_dir.parent.iterdir()) == before
        assert not (farm_dir / "PWNED").exists()
        assert not (farm_dir / ".tinyfarm").exists()


def _dataset(farm_dir: Path, x: np.ndarray, y: np.ndarray | None) -> str:
    arrays = {"x": x} if y is None else {"x": x, "y": y}
    np.savez(farm_dir / "bad.npz", **arrays)  # type: ignore[arg-type]
    return "bad.npz"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda x, y: (x[:0], y[:0]), "holds no samples"),
        (lambda x, y: (np.where(np.arange(x.size).reshape(x.shape) == 70, np.nan, x), y), "NaN or infinite"),
        (lambda x, y: (np.round(x * 10).astype(np.int64), y), "x is int64 but the model's input is int8"),
        (lambda x, y: (x, np.where(np.arange(len(y)) == 3, 12, y)), "label(s) outside 0..9"),
    ],
    ids=["empty", "nan", "wrong-dtype", "labels"],
)
def test_bad_data_is_a_config_error_before_any_board_starts(farm_dir: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with np.load(farm_dir / "digits_test.npz") as archive:
        x, y = make(archive["x"], archive["y"])
    write_farm(farm_dir, dataset=_dataset(farm_dir, x, y))
    done = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stdout + done.stderr
    assert "models[0].dataset" in done.stdout + done.stderr
    assert not manifest(farm_dir).exists()
    assert not (farm_dir / ".tinyfarm" / "work").exists()  # no board was started


def test_int8_samples_are_sent_verbatim(farm_dir: Path) -> None:
    from harness.models.reference import Reference

    spec = Reference(farm_dir / "digits_mlp_int8.tflite").input
    with np.load(farm_dir / "digits_test.npz") as archive:
        x, y = archive["x"], archive["y"]
    q = np.clip(np.round(x / spec.scale) + spec.zero_point, -128, 127).astype(np.int8)
    write_farm(farm_dir, dataset=_dataset(farm_dir, q, y))
    done = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert results(farm_dir)["records"][0]["metrics"]["accuracy"] > 0.9


# -- reports for dashboards --------------------------------------------------------


def test_junit_separates_infrastructure_errors_from_budget_misses(farm_dir: Path) -> None:
    junitparser = pytest.importorskip("junitparser")
    boards = fake_boards(1) + '\n[[boards]]\nname = "broken"\nbackend = "fake"\ntarget = "mps2_an386"\n'
    write_farm(farm_dir, boards, latency="0.000001")
    done = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-3000:]  # a budget missed outranks an infrastructure error
    xml = junitparser.JUnitXml.fromfile(str(farm_dir / "reports" / "junit.xml"))
    outcomes: dict[str, list[str]] = {}
    for suite in xml:
        assert suite.name == "gate-test"
        for case in suite:
            kinds = [type(r).__name__ for r in case.result]
            outcomes.setdefault(case.classname, []).extend(kinds)
    assert outcomes["broken.digits"].count("Error") == 1
    assert outcomes["broken.digits"].count("Skipped") == 4  # the pair's other checks: not judged
    assert outcomes["host-0.digits"] == ["Failure"]  # the latency budget
    reports = sorted(p.name for p in (farm_dir / "reports").iterdir())
    assert reports == ["history.sqlite", "junit.xml", "report.html", "results.json"]
    assert json.loads((farm_dir / "reports" / "results.json").read_text(), parse_constant=_no_nan)


def _no_nan(token: str) -> None:
    raise AssertionError(f"results.json holds {token}")


def test_state_folder_is_configurable(farm_dir: Path) -> None:
    write_farm(farm_dir)
    env = {**os.environ, "TINYFARM_STATE_DIR": str(farm_dir / "elsewhere")}
    done = subprocess.run(pytest_cmd(), cwd=farm_dir, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (farm_dir / "elsewhere" / "work" / "host-0").is_dir()
    assert not (farm_dir / ".tinyfarm").exists()
