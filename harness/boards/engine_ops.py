"""What the agent's engine runs, and whether a model asks for anything else.

The engine's operator table is `firmware/engine/ops.def` (one
`OP(NAME, code, prep, "types")` line per operator); the C build and this
module both read it, so they cannot disagree. A model's operators and tensor
types come from its flatbuffer. Every problem is found before any board
boots, all at once, each with its operator index and builtin name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness import paths

_OP_LINE = re.compile(r'^OP\((\w+),\s*(\d+),\s*(\w+),\s*"([^"]*)"\)\s*$', re.M)
CUSTOM = 32  # BuiltinOperator.CUSTOM
# TensorType numbers → the names ops.def uses.
TYPE_NAMES = {
    0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string", 6: "bool",
    7: "int16", 8: "complex64", 9: "int8", 10: "float64", 16: "uint32", 17: "uint16", 15: "int4",
}  # fmt: skip
# What to try when the engine cannot run an operator (by builtin name).
HINTS = {
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "a stateful LSTM layer: the engine runs its int8 and 16x8 integer "
    "forms (full-integer quantization); or unroll it in Keras (unroll=True)",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "a stateful RNN layer: unroll it in Keras (unroll=True)",
    "SVDF": "a stateful SVDF layer: the engine runs its integer form (int8 input, full-integer quantization)",
    "WHILE": "a control-flow loop (a dynamic RNN): unroll the layer in Keras (unroll=True)",
    "CUSTOM": "a custom operator: the engine runs TFLite builtin operators only",
}
TYPE_HINTS = {
    "float32": "a float tensor where the engine takes integers: convert with full-integer quantization "
    "(representative_dataset, inference_input_type=tf.int8, inference_output_type=tf.int8)",
    "int16": "16x8 quantization is not supported by this operator yet: quantize to int8",
    "int64": "an int64 tensor: not supported by this operator",
}


@dataclass(frozen=True)
class EngineOp:
    name: str
    code: int
    types: frozenset[str]


@dataclass(frozen=True)
class ModelOp:
    index: int
    code: int
    name: str
    custom: str | None  # a custom operator's code, e.g. "ethos-u"
    data_types: tuple[str, ...]  # types of its non-constant inputs and its outputs


@cache
def engine_ops(ops_def: Path | None = None) -> dict[int, EngineOp]:
    """The engine's operators by builtin code, from ops.def."""
    text = (ops_def or paths.firmware_dir() / "engine" / "ops.def").read_text()
    return {
        int(code): EngineOp(name, int(code), frozenset(types.split()))
        for name, code, _prep, types in _OP_LINE.findall(text)
    }


def _builtin_names() -> dict[int, str]:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    ops = schema.BuiltinOperator
    return {value: name for name, value in vars(ops).items() if name.isupper() and isinstance(value, int)}


def model_ops(data: bytes) -> list[ModelOp]:
    """The operators of a .tflite's first subgraph, in execution order."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    try:
        model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
        graph = model.subgraphs[0]
    except Exception as exc:  # the generated reader raises whatever a bad offset leads to
        raise ValueError(f"not a TFLite flatbuffer ({type(exc).__name__}: {exc})") from None
    names = _builtin_names()
    constant = {
        i for i, t in enumerate(graph.tensors) if t.buffer and model.buffers[t.buffer].data is not None
    }
    found = []
    for index, op in enumerate(graph.operators or []):
        code_entry = model.operatorCodes[op.opcodeIndex]
        code = max(code_entry.builtinCode, code_entry.deprecatedBuiltinCode)
        custom = code_entry.customCode.decode(errors="replace") if code_entry.customCode else None
        tensors = [t for t in list(op.inputs) if t >= 0 and t not in constant] + [
            t for t in op.outputs if t >= 0
        ]
        types = tuple(
            dict.fromkeys(TYPE_NAMES.get(graph.tensors[t].type, str(graph.tensors[t].type)) for t in tensors)
        )
        found.append(ModelOp(index, code, names.get(code, f"builtin {code}"), custom, types))
    return found


def problems(ops: Iterable[ModelOp], engine: dict[int, EngineOp]) -> list[str]:
    """One line per operator the engine cannot run: index, builtin name, why, and a hint."""
    lines = []
    for op in ops:
        supported = engine.get(op.code)
        if op.code == CUSTOM:
            lines.append(f"operator {op.index}: custom op {op.custom!r}: {HINTS['CUSTOM']}")
        elif supported is None:
            hint = HINTS.get(op.name)
            lines.append(
                f"operator {op.index}: {op.name} (builtin {op.code}) is not supported"
                + (f": {hint}" if hint else "")
            )
        else:
            wrong = [t for t in op.data_types if t not in supported.types]
            if wrong:
                hint = TYPE_HINTS.get(wrong[0])
                lines.append(
                    f"operator {op.index}: {op.name} on {'/'.join(wrong)} tensors is not supported "
                    f"(it takes {' '.join(sorted(supported.types))})" + (f": {hint}" if hint else "")
                )
    return lines


def stateful(data: bytes) -> bool:
    """The model keeps state between inferences (variable tensors: LSTM, SVDF)."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    try:
        graph = schema.Model.GetRootAs(data, 0).Subgraphs(0)
        return any(graph.Tensors(i).IsVariable() for i in range(graph.TensorsLength()))
    except Exception:  # a malformed model: the loader's checks report it
        return False


def check_model(data: bytes) -> list[str]:
    """Everything the engine cannot run in this model (empty: it can run all of it)."""
    return problems(model_ops(data), engine_ops())


def ops_used(models: Iterable[bytes]) -> tuple[str, ...]:
    """The builtin names an agent needs for these models (OPS= for the firmware build)."""
    engine = engine_ops()
    used = {engine[op.code].name for data in models for op in model_ops(data) if op.code in engine}
    return tuple(sorted(used))
