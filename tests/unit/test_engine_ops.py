"""The host knows what the engine runs (ops.def) and checks every model before any
board boots: all problems at once, each with its operator index and builtin name."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import flatbuffers
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from harness import paths
from harness.boards import engine_ops
from tests.conftest import FIXTURES

INT8, FLOAT32 = schema.TensorType.INT8, schema.TensorType.FLOAT32


def tiny_model(ops: list[tuple[int, str | None]], dtype: int = INT8) -> bytes:
    """A flatbuffer with one tensor per op boundary; enough to list its operators."""
    model = schema.ModelT()
    model.version = 3
    model.buffers = [schema.BufferT()]
    graph = schema.SubGraphT()
    graph.tensors = []
    for index in range(len(ops) + 1):
        tensor = schema.TensorT()
        tensor.shape, tensor.type, tensor.buffer, tensor.name = [1, 4], dtype, 0, f"t{index}"
        graph.tensors.append(tensor)
    model.operatorCodes, graph.operators = [], []
    for index, (code, custom) in enumerate(ops):
        entry = schema.OperatorCodeT()
        entry.builtinCode, entry.deprecatedBuiltinCode = code, min(code, 127)
        entry.customCode = custom
        model.operatorCodes.append(entry)
        op = schema.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = index, [index], [index + 1]
        graph.operators.append(op)
    graph.inputs, graph.outputs = [0], [len(ops)]
    model.subgraphs = [graph]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_ops_def_is_the_engines_table() -> None:
    text = (paths.firmware_dir() / "engine" / "ops.def").read_text()
    lines = [line for line in text.splitlines() if line.startswith("OP(")]
    table = engine_ops.engine_ops()
    assert len(table) == len(lines) >= 40
    assert table[3].name == "CONV_2D" and "int8" in table[3].types


def test_every_fixture_model_is_runnable() -> None:
    for model in sorted((FIXTURES / "models").glob("*.tflite")):
        assert engine_ops.check_model(model.read_bytes()) == [], model.name


def test_all_problems_are_named_with_index_and_hint() -> None:
    data = tiny_model([(9, None), (35, None), (119, None), (32, "ethos-u")])
    problems = engine_ops.check_model(data)
    assert len(problems) == 3
    assert problems[0].startswith("operator 1: UNIDIRECTIONAL_SEQUENCE_RNN (builtin 35) is not supported")
    assert "unroll=True" in problems[0]
    assert problems[1].startswith("operator 2: WHILE (builtin 119)")
    assert problems[2].startswith("operator 3: custom op 'ethos-u'")


def test_stateful_and_16x8_models_pass_the_check() -> None:
    """LSTM and SVDF in their integer forms, and 16x8 kernels, are in ops.def now;
    a float LSTM is still told to quantize."""
    assert engine_ops.check_model(tiny_model([(44, None), (27, None)])) == []
    assert engine_ops.check_model(tiny_model([(9, None), (3, None)], dtype=schema.TensorType.INT16)) == []
    models = [*(FIXTURES / "recurrent").glob("*.tflite"), *(FIXTURES / "ops16").rglob("*.tflite")]
    for model in models:
        assert engine_ops.check_model(model.read_bytes()) == [], model.name
    (problem,) = engine_ops.check_model(tiny_model([(44, None)], dtype=FLOAT32))
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM on float32 tensors is not supported" in problem
    hint = engine_ops.HINTS["UNIDIRECTIONAL_SEQUENCE_LSTM"] + engine_ops.HINTS["SVDF"]
    assert "not supported" not in hint


def test_stateful_models_are_recognised() -> None:
    assert engine_ops.stateful((FIXTURES / "recurrent" / "tflm_keyword_scrambled.tflite").read_bytes())
    assert not engine_ops.stateful((FIXTURES / "models" / "ad01_int8.tflite").read_bytes())


def test_a_float_model_is_told_to_quantize() -> None:
    """An operator without a float kernel (ops.def's types column lacks float32)."""
    (problem,) = engine_ops.check_model(tiny_model([(56, None)], dtype=FLOAT32))
    assert "operator 0: ARG_MAX on float32 tensors is not supported" in problem
    assert "full-integer quantization" in problem


def test_float_models_pass_the_check() -> None:
    """The float kernels' ops (ops.def types column) admit float32 models: TFLM's
    hello_world_float and the float fixtures."""
    assert engine_ops.check_model(tiny_model([(9, None)], dtype=FLOAT32)) == []
    models = [*(FIXTURES / "keras").glob("*_float.tflite"), *(FIXTURES / "float").glob("*.tflite")]
    assert len(models) >= 40
    for model in models:
        assert engine_ops.check_model(model.read_bytes()) == [], model.name


def test_ops_used_is_what_the_agent_links() -> None:
    ad01 = (FIXTURES / "models" / "ad01_int8.tflite").read_bytes()
    kws = (FIXTURES / "models" / "kws_ref_model.tflite").read_bytes()
    assert engine_ops.ops_used([ad01]) == ("FULLY_CONNECTED",)
    assert set(engine_ops.ops_used([ad01, kws])) >= {"CONV_2D", "DEPTHWISE_CONV_2D", "SOFTMAX"}


FARM = """
[[boards]]
name = "twin"
backend = "qemu"
machine = "mps2-an386"

[[models]]
name = "bad"
path = "bad.tflite"
"""


def test_a_farm_with_two_unsupported_ops_fails_at_load_quickly(tmp_path: Path) -> None:
    (tmp_path / "bad.tflite").write_bytes(tiny_model([(35, None), (9, None), (119, None)]))
    (tmp_path / "farm.toml").write_text(FARM)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--farm", "farm.toml", "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    seconds = time.monotonic() - started
    text = done.stdout + done.stderr
    assert done.returncode == 2, text
    assert "the engine cannot run 2 operator(s)" in text
    assert re.search(r"operator 0: UNIDIRECTIONAL_SEQUENCE_RNN", text) and "operator 2: WHILE" in text
    assert not (tmp_path / ".tinyfarm").exists()  # no board, no emulator, no build
    assert seconds < 5, seconds  # the check itself takes well under a second
    print(f"rejected in {seconds:.2f} s")


def test_farm_check_lists_operators_and_the_arena(tmp_path: Path) -> None:
    if subprocess.run(["which", "cc"], capture_output=True).returncode:
        pytest.skip("no C compiler")
    ok = subprocess.run(
        [sys.executable, "-m", "harness.cli", "check", str(FIXTURES / "models" / "kws_ref_model.tflite")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "DEPTHWISE_CONV_2D" in ok.stdout and "supported" in ok.stdout
    assert re.search(r"arena the engine plans: [\d,]+ bytes", ok.stderr)
    (tmp_path / "bad.tflite").write_bytes(tiny_model([(32, "ethos-u")]))
    bad = subprocess.run([sys.executable, "-m", "harness.cli", "check", str(tmp_path / "bad.tflite")],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 1
    assert "ethos-u" in bad.stdout and "Traceback" not in bad.stderr
