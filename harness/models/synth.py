"""Small int8 .tflite models written directly with the TFLite schema.

Used where a model of a given shape is needed that no training produced:
wire benchmarks (a tensor of any size through a requantize) and engine tests
on models nobody on the project has seen.
"""

from __future__ import annotations

import flatbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

QUANTIZE = tfl.BuiltinOperator.QUANTIZE
# deprecated_builtin_code is an int8: codes above 127 store this placeholder.
PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def _tensor(
    name: str, shape: list[int], scale: float, zero_point: int, dtype: int = tfl.TensorType.INT8
) -> tfl.TensorT:
    tensor = tfl.TensorT()
    tensor.name = name.encode()
    tensor.shape = shape
    tensor.type = dtype
    tensor.buffer = 0
    quant = tfl.QuantizationParametersT()
    quant.scale = [scale]
    quant.zeroPoint = [zero_point]
    tensor.quantization = quant
    return tensor


def requantize_model(
    elements: int,
    in_scale: float = 0.05,
    out_scale: float = 0.1,
    op: int = QUANTIZE,
    dtype: int = tfl.TensorType.INT8,
) -> bytes:
    """int8 [1, elements] → QUANTIZE (rescale) → int8 [1, elements].

    op and dtype replace the operator and the tensor type, to make models
    that an engine must refuse (an unsupported op, a wrong tensor type).
    """
    code = tfl.OperatorCodeT()
    code.builtinCode = op
    code.deprecatedBuiltinCode = min(op, PLACEHOLDER_FOR_GREATER_OP_CODES)
    code.version = 1
    operator = tfl.OperatorT()
    operator.opcodeIndex = 0
    operator.inputs = [0]
    operator.outputs = [1]
    graph = tfl.SubGraphT()
    graph.tensors = [
        _tensor("input", [1, elements], in_scale, 3, dtype),
        _tensor("output", [1, elements], out_scale, -5, dtype),
    ]
    graph.inputs = [0]
    graph.outputs = [1]
    graph.operators = [operator]
    model = tfl.ModelT()
    model.version = 3
    model.operatorCodes = [code]
    model.subgraphs = [graph]
    model.buffers = [tfl.BufferT()]
    model.description = b"tinyfarm synthetic requantize"
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
