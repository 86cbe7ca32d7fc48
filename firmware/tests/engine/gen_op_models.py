#!/usr/bin/env python3
"""Small synthetic .tflite models exercising engine features the MLPerf Tiny
models do not: MAX_POOL_2D, padded AVERAGE_POOL_2D, broadcasting ADD, fused
RELU6 / RELU_N1_TO_1, dilated and per-tensor CONV_2D without bias, depth
multiplier > 1, FULLY_CONNECTED with keep_num_dims and per-channel weights,
QUANTIZE (float->int8, int8->int8), DEQUANTIZE, SQUEEZE, SOFTMAX int8->int16.

The models are built with the TFLite schema's object API (shipped by the
tflite-micro package) and seeded random weights, so they are reproducible.

The parameter sweeps over the other operators (activations, reductions,
element-wise, data movement, multi-input/output models) are in gen_op_cases.py.

Usage: gen_op_models.py OUT_DIR [--seed S]   (prints the files written)
"""
from __future__ import annotations

import sys
import zlib
from pathlib import Path

import flatbuffers  # type: ignore
import gen_common
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s  # type: ignore

INT8, INT32, FLOAT32, INT16 = s.TensorType.INT8, s.TensorType.INT32, s.TensorType.FLOAT32, s.TensorType.INT16
SAME, VALID = s.Padding.SAME, s.Padding.VALID
NONE, RELU, RELU_N1_TO_1, RELU6 = 0, 1, 2, 3


class Builder:
    """Accumulates tensors, buffers and operators of one subgraph."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.tensors: list = []
        self.buffers: list = [s.BufferT()]  # buffer 0: the empty sentinel
        self.ops: list = []
        self.codes: list = []

    def tensor(self, shape, ttype=INT8, scale=None, zp=0, data: np.ndarray | None = None, qdim=0) -> int:
        t = s.TensorT()
        t.shape = list(shape)
        t.type = ttype
        t.name = f"t{len(self.tensors)}"
        t.buffer = 0
        if data is not None:
            b = s.BufferT()
            b.data = list(np.ascontiguousarray(data).tobytes())
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if scale is not None:
            q = s.QuantizationParametersT()
            q.scale = list(np.atleast_1d(np.asarray(scale, dtype=np.float32)).tolist())
            q.zeroPoint = list(np.atleast_1d(np.asarray(zp, dtype=np.int64)).tolist())
            if len(q.zeroPoint) == 1 and len(q.scale) > 1:
                q.zeroPoint = [0] * len(q.scale)
            q.quantizedDimension = qdim
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def act(self, shape, ttype=INT8) -> int:
        scale = float(self.rng.uniform(0.01, 0.2))
        zp = int(self.rng.integers(-20, 20)) if ttype == INT8 else 0
        return self.tensor(shape, ttype, scale, zp)

    def weights(self, shape, per_channel_dim: int | None):
        w = self.rng.integers(-127, 128, size=shape, dtype=np.int64).astype(np.int8)
        if per_channel_dim is None:
            return self.tensor(shape, INT8, float(self.rng.uniform(0.002, 0.02)), 0, w)
        n = shape[per_channel_dim]
        return self.tensor(shape, INT8, self.rng.uniform(0.002, 0.02, size=n), 0, w, qdim=per_channel_dim)

    def bias(self, n: int, in_t: int, w_t: int) -> int:
        si = self.tensors[in_t].quantization.scale[0]
        sw = np.asarray(self.tensors[w_t].quantization.scale, dtype=np.float64)
        b = self.rng.integers(-3000, 3000, size=n, dtype=np.int64).astype(np.int32)
        return self.tensor([n], INT32, (si * sw).astype(np.float32), 0, b)

    def op(self, code: int, inputs, outputs, opt_type=0, opts=None) -> None:
        if code not in self.codes:
            self.codes.append(code)
        o = s.OperatorT()
        o.opcodeIndex = self.codes.index(code)
        o.inputs, o.outputs = list(inputs), list(outputs)
        o.builtinOptionsType, o.builtinOptions = opt_type, opts
        self.ops.append(o)

    def finish(self, inp, out) -> bytes:
        """inp, out: a tensor index or a list of them (several model inputs/outputs)."""
        sg = s.SubGraphT()
        sg.tensors, sg.operators = self.tensors, self.ops
        sg.inputs = list(inp) if isinstance(inp, (list, tuple)) else [inp]
        sg.outputs = list(out) if isinstance(out, (list, tuple)) else [out]
        m = s.ModelT()
        m.version = 3
        m.subgraphs = [sg]
        m.buffers = self.buffers
        m.description = "tinyfarm engine op test"
        m.operatorCodes = []
        for c in self.codes:
            oc = s.OperatorCodeT()
            oc.builtinCode = c
            oc.deprecatedBuiltinCode = min(c, 127)
            oc.version = 1
            m.operatorCodes.append(oc)
        fb = flatbuffers.Builder(1024)
        fb.Finish(m.Pack(fb), file_identifier=b"TFL3")
        return bytes(fb.Output())


def conv_opts(padding, stride, act, dil=1):
    o = s.Conv2DOptionsT()
    o.padding, o.strideW, o.strideH, o.fusedActivationFunction = padding, stride, stride, act
    o.dilationWFactor = o.dilationHFactor = dil
    return o


def pool_opts(padding, stride, k, act):
    o = s.Pool2DOptionsT()
    o.padding, o.strideW, o.strideH, o.filterWidth, o.filterHeight = padding, stride, stride, k, k
    o.fusedActivationFunction = act
    return o


def const_i32(b: Builder, values, shape=None) -> int:
    """A constant int32 tensor (axes, shapes, paddings); shape defaults to the values' own."""
    v = np.asarray(values, dtype=np.int32)
    return b.tensor(list(v.shape) if shape is None else shape, INT32, None, 0, v)


def leaky(alpha):
    o = s.LeakyReluOptionsT()
    o.alpha = alpha
    return o


def softmax_opts(beta):
    o = s.SoftmaxOptionsT()
    o.beta = beta
    return o


def out_size(padding, n, k, stride, dil=1):
    eff = (k - 1) * dil + 1
    return (n + stride - 1) // stride if padding == SAME else (n + stride - eff) // stride


def m_pool(b: Builder, code, padding, stride, k, act):
    x = b.act([1, 9, 7, 5])
    y = b.tensor([1, out_size(padding, 9, k, stride), out_size(padding, 7, k, stride), 5], INT8,
                 b.tensors[x].quantization.scale[0], b.tensors[x].quantization.zeroPoint[0])
    b.op(code, [x], [y], s.BuiltinOptions.Pool2DOptions, pool_opts(padding, stride, k, act))
    return x, y


def m_conv(b: Builder, padding, stride, act, dil, per_channel, with_bias):
    x = b.act([1, 10, 9, 4])
    w = b.weights([6, 3, 3, 4], 0 if per_channel else None)
    bias = b.bias(6, x, w) if with_bias else -1
    y = b.act([1, out_size(padding, 10, 3, stride, dil), out_size(padding, 9, 3, stride, dil), 6])
    b.op(s.BuiltinOperator.CONV_2D, [x, w, bias], [y], s.BuiltinOptions.Conv2DOptions,
         conv_opts(padding, stride, act, dil))
    return x, y


def m_dwconv(b: Builder, padding, stride, mult, act):
    x = b.act([1, 8, 8, 3])
    w = b.weights([1, 3, 3, 3 * mult], 3)
    bias = b.bias(3 * mult, x, w)
    y = b.act([1, out_size(padding, 8, 3, stride), out_size(padding, 8, 3, stride), 3 * mult])
    o = s.DepthwiseConv2DOptionsT()
    o.padding, o.strideW, o.strideH = padding, stride, stride
    o.depthMultiplier, o.fusedActivationFunction = mult, act
    o.dilationWFactor = o.dilationHFactor = 1
    b.op(s.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], s.BuiltinOptions.DepthwiseConv2DOptions, o)
    return x, y


def m_fc(b: Builder, keep_dims, per_channel, with_bias, act):
    x = b.act([2, 3, 16])
    w = b.weights([10, 16], 0 if per_channel else None)
    bias = b.bias(10, x, w) if with_bias else -1
    y = b.act([2, 3, 10] if keep_dims else [6, 10])
    o = s.FullyConnectedOptionsT()
    o.fusedActivationFunction, o.keepNumDims = act, keep_dims
    b.op(s.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], s.BuiltinOptions.FullyConnectedOptions, o)
    return x, y


def m_add(b: Builder, shape_b, act):
    x = b.act([1, 4, 5, 8])
    c = b.rng.integers(-128, 128, size=shape_b, dtype=np.int64).astype(np.int8)
    k = b.tensor(shape_b, INT8, float(b.rng.uniform(0.01, 0.1)), int(b.rng.integers(-10, 10)), c)
    y = b.act([1, 4, 5, 8])
    o = s.AddOptionsT()
    o.fusedActivationFunction = act
    b.op(s.BuiltinOperator.ADD, [x, k], [y], s.BuiltinOptions.AddOptions, o)
    return x, y


def m_softmax(b: Builder, out_type, beta):
    x = b.act([3, 7])
    scale, zp = (1 / 256, -128) if out_type == INT8 else (1 / 65536, -32768)
    y = b.tensor([3, 7], out_type, scale, zp)
    b.op(s.BuiltinOperator.SOFTMAX, [x], [y], s.BuiltinOptions.SoftmaxOptions, softmax_opts(beta))
    return x, y


def m_quant_chain(b: Builder):
    """float -> QUANTIZE -> int8 -> QUANTIZE (requantize) -> SQUEEZE -> DEQUANTIZE -> float"""
    x = b.tensor([1, 6, 1, 5], FLOAT32)
    q1 = b.act([1, 6, 1, 5])
    q2 = b.act([1, 6, 1, 5])
    q3 = b.tensor([6, 5], INT8, b.tensors[q2].quantization.scale[0], b.tensors[q2].quantization.zeroPoint[0])
    y = b.tensor([6, 5], FLOAT32)
    b.op(s.BuiltinOperator.QUANTIZE, [x], [q1])
    b.op(s.BuiltinOperator.QUANTIZE, [q1], [q2])
    o = s.SqueezeOptionsT()
    o.squeezeDims = [0, 2]
    b.op(s.BuiltinOperator.SQUEEZE, [q2], [q3], s.BuiltinOptions.SqueezeOptions, o)
    b.op(s.BuiltinOperator.DEQUANTIZE, [q3], [y])
    return x, y


CASES = {
    "op_maxpool_same_s2_relu6": lambda b: m_pool(b, s.BuiltinOperator.MAX_POOL_2D, SAME, 2, 3, RELU6),
    "op_maxpool_valid_s1": lambda b: m_pool(b, s.BuiltinOperator.MAX_POOL_2D, VALID, 1, 2, NONE),
    "op_avgpool_same_s2_padded": lambda b: m_pool(b, s.BuiltinOperator.AVERAGE_POOL_2D, SAME, 2, 3, NONE),
    "op_avgpool_valid_relu": lambda b: m_pool(b, s.BuiltinOperator.AVERAGE_POOL_2D, VALID, 2, 2, RELU),
    "op_conv_same_dil2_pertensor_nobias": lambda b: m_conv(b, SAME, 1, RELU_N1_TO_1, 2, False, False),
    "op_conv_valid_s2_relu6": lambda b: m_conv(b, VALID, 2, RELU6, 1, True, True),
    "op_conv_same_s2": lambda b: m_conv(b, SAME, 2, NONE, 1, True, True),
    "op_dwconv_mult2_s2_valid": lambda b: m_dwconv(b, VALID, 2, 2, RELU),
    "op_dwconv_mult3_same": lambda b: m_dwconv(b, SAME, 1, 3, RELU6),
    "op_fc_keepdims_perchannel": lambda b: m_fc(b, True, True, True, RELU),
    "op_fc_flat_nobias": lambda b: m_fc(b, False, False, False, NONE),
    "op_add_broadcast_channels": lambda b: m_add(b, [1, 1, 1, 8], RELU),
    "op_add_broadcast_rows": lambda b: m_add(b, [4, 1, 8], RELU6),
    "op_softmax_int8_beta": lambda b: m_softmax(b, INT8, 0.7),
    "op_softmax_int16": lambda b: m_softmax(b, INT16, 1.0),
    "op_quantize_dequantize": m_quant_chain,
}


# Shapes that steer the optimized kernels (ENGINE_KERNELS_DSP) through their
# edge paths: odd pixel and channel counts (a lone last pixel or channel in a
# 2x2 block), filter rows whose length is not a multiple of 4 (scalar tails),
# one input channel (im2col of single bytes), groups, clipped depthwise
# windows with channel counts that are not a multiple of 4, dilation,
# fully connected row counts that leave 1-3 rows after the blocks of four.
def m_conv_shape(b: Builder, x_shape, w_shape, padding, stride, act, dil=1, per_channel=True):
    x = b.act(x_shape)
    w = b.weights(w_shape, 0 if per_channel else None)
    bias = b.bias(w_shape[0], x, w)
    y = b.act([x_shape[0], out_size(padding, x_shape[1], w_shape[1], stride, dil),
               out_size(padding, x_shape[2], w_shape[2], stride, dil), w_shape[0]])
    b.op(s.BuiltinOperator.CONV_2D, [x, w, bias], [y], s.BuiltinOptions.Conv2DOptions,
         conv_opts(padding, stride, act, dil))
    return x, y


def m_dw_shape(b: Builder, x_shape, k, padding, stride, act, dil=1):
    c = x_shape[3]
    x = b.act(x_shape)
    w = b.weights([1, k[0], k[1], c], 3)
    bias = b.bias(c, x, w)
    y = b.act([x_shape[0], out_size(padding, x_shape[1], k[0], stride, dil),
               out_size(padding, x_shape[2], k[1], stride, dil), c])
    o = s.DepthwiseConv2DOptionsT()
    o.padding, o.strideW, o.strideH = padding, stride, stride
    o.depthMultiplier, o.fusedActivationFunction = 1, act
    o.dilationWFactor = o.dilationHFactor = dil
    b.op(s.BuiltinOperator.DEPTHWISE_CONV_2D, [x, w, bias], [y], s.BuiltinOptions.DepthwiseConv2DOptions, o)
    return x, y


def m_fc_shape(b: Builder, batches, depth, accum, per_channel):
    x = b.act([batches, accum])
    w = b.weights([depth, accum], 0 if per_channel else None)
    bias = b.bias(depth, x, w)
    y = b.act([batches, depth])
    o = s.FullyConnectedOptionsT()
    o.fusedActivationFunction = NONE
    b.op(s.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], s.BuiltinOptions.FullyConnectedOptions, o)
    return x, y


CASES.update({
    "op_conv1x1_odd_pixels_channels": lambda b: m_conv_shape(b, [1, 5, 7, 13], [7, 1, 1, 13], VALID, 1, NONE),
    "op_conv1x1_s2_batches": lambda b: m_conv_shape(b, [2, 6, 6, 8], [6, 1, 1, 8], SAME, 2, RELU),
    "op_conv_one_channel_s2": lambda b: m_conv_shape(b, [1, 11, 6, 1], [5, 4, 3, 1], SAME, 2, RELU),
    "op_conv_k27_dil2_pertensor": lambda b: m_conv_shape(
        b, [1, 9, 9, 3], [9, 3, 3, 3], SAME, 1, RELU6, 2, False
    ),
    "op_dwconv_c6_same_dil2": lambda b: m_dw_shape(b, [1, 7, 9, 6], (3, 3), SAME, 1, NONE, 2),
    "op_dwconv_c8_5x3_s2": lambda b: m_dw_shape(b, [1, 9, 8, 8], (5, 3), SAME, 2, RELU6),
    "op_fc_11_rows_odd_depth": lambda b: m_fc_shape(b, 1, 11, 37, False),
    "op_fc_batches_perchannel": lambda b: m_fc_shape(b, 5, 6, 20, True),
})


def all_cases() -> dict:
    import gen_op_cases
    return {**CASES, **gen_op_cases.cases()}


def generate(out_dir: Path, seed: int) -> list[Path]:
    # Each case's stream depends on its name only, so adding a case changes no other file.
    def new_builder(_i: int, name: str) -> Builder:
        return Builder(np.random.default_rng([seed, zlib.crc32(name.encode())]))

    return gen_common.write_cases(out_dir, all_cases(), new_builder)


def main() -> int:
    return gen_common.main(__doc__, generate, 99)


if __name__ == "__main__":
    sys.exit(main())
