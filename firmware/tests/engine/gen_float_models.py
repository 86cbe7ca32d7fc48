#!/usr/bin/env python3
"""float32 single- and few-operator models for the engine's float kernels
(kernels/k_float*.c): FULLY_CONNECTED, CONV_2D (groups, dilation, no bias),
DEPTHWISE_CONV_2D (multipliers), pools, broadcasting ADD/SUB/MUL/MAXIMUM/
MINIMUM/SQUARED_DIFFERENCE/PRELU, RELU, RELU6, LEAKY_RELU (incl. negative
alpha), HARD_SWISH, ELU, NEG, ABS, SQUARE, SQRT, RSQRT, LOGISTIC, TANH, SOFTMAX (beta), MEAN/SUM/REDUCE_MAX/
REDUCE_MIN over axes, every fused activation, and float data movement
(CONCATENATION, PAD, RESHAPE) plus a small CNN chain.

Built like gen_op_models.py (schema object API, seeded weights); the
committed copies are fixtures/float/ (seed 99).

Usage: gen_float_models.py OUT_DIR [--seed S]   (prints the files written)
"""
from __future__ import annotations

import sys
from pathlib import Path

import gen_common
import numpy as np
from gen_op_models import (
    FLOAT32,
    NONE,
    RELU,
    RELU6,
    RELU_N1_TO_1,
    SAME,
    VALID,
    Builder,
    const_i32,
    conv_opts,
    leaky,
    out_size,
    s,
    softmax_opts,
)

OP = s.BuiltinOperator
BO = s.BuiltinOptions


def f(b: Builder, shape) -> int:
    return b.tensor(list(shape), FLOAT32)


def fconst(b: Builder, shape, scale=0.5) -> int:
    data = (b.rng.standard_normal(size=shape) * scale).astype(np.float32)
    return b.tensor(list(shape), FLOAT32, None, 0, data)


def m_fc(x_shape, depth, out_shape, act, bias=True, keep=False):
    def make(b: Builder):
        x = f(b, x_shape)
        w = fconst(b, [depth, x_shape[-1]])
        bb = fconst(b, [depth]) if bias else -1
        y = f(b, out_shape)
        o = s.FullyConnectedOptionsT()
        o.fusedActivationFunction, o.keepNumDims = act, keep
        b.op(OP.FULLY_CONNECTED, [x, w, bb], [y], BO.FullyConnectedOptions, o)
        return x, y
    return make


def m_conv(x_shape, w_shape, padding, stride, act, dil=1, bias=True):
    def make(b: Builder):
        x = f(b, x_shape)
        w = fconst(b, w_shape)
        bb = fconst(b, [w_shape[0]]) if bias else -1
        y = f(b, [x_shape[0], out_size(padding, x_shape[1], w_shape[1], stride, dil),
                  out_size(padding, x_shape[2], w_shape[2], stride, dil), w_shape[0]])
        b.op(OP.CONV_2D, [x, w, bb], [y], BO.Conv2DOptions, conv_opts(padding, stride, act, dil))
        return x, y
    return make


def m_dw(x_shape, k, mult, padding, stride, act, dil=1):
    def make(b: Builder):
        c = x_shape[3] * mult
        x = f(b, x_shape)
        w = fconst(b, [1, k, k, c])
        bb = fconst(b, [c])
        y = f(b, [x_shape[0], out_size(padding, x_shape[1], k, stride, dil),
                  out_size(padding, x_shape[2], k, stride, dil), c])
        o = s.DepthwiseConv2DOptionsT()
        o.padding, o.strideW, o.strideH = padding, stride, stride
        o.depthMultiplier, o.fusedActivationFunction = mult, act
        o.dilationWFactor = o.dilationHFactor = dil
        b.op(OP.DEPTHWISE_CONV_2D, [x, w, bb], [y], BO.DepthwiseConv2DOptions, o)
        return x, y
    return make


def m_pool(code, padding, stride, k, act):
    def make(b: Builder):
        x = f(b, [1, 9, 7, 5])
        y = f(b, [1, out_size(padding, 9, k, stride), out_size(padding, 7, k, stride), 5])
        o = s.Pool2DOptionsT()
        o.padding, o.strideW, o.strideH, o.filterWidth, o.filterHeight = padding, stride, stride, k, k
        o.fusedActivationFunction = act
        b.op(code, [x], [y], BO.Pool2DOptions, o)
        return x, y
    return make


def m_binary(code, sa, sb, act, const_b=False):
    def make(b: Builder):
        x = f(b, sa)
        yb = fconst(b, sb, 2.0) if const_b else f(b, sb)
        y = f(b, np.broadcast_shapes(tuple(sa), tuple(sb)))
        opts = {OP.ADD: (s.AddOptionsT(), BO.AddOptions), OP.SUB: (s.SubOptionsT(), BO.SubOptions),
                OP.MUL: (s.MulOptionsT(), BO.MulOptions)}
        if code in opts:
            o, t = opts[code]
            o.fusedActivationFunction = act
            b.op(code, [x, yb], [y], t, o)
        else:
            b.op(code, [x, yb], [y])
        return (x if const_b else [x, yb]), y
    return make


def m_unary(code, shape=(1, 5, 6, 7), opt_type=0, opts=None):
    def make(b: Builder):
        x = f(b, shape)
        y = f(b, shape)
        b.op(code, [x], [y], opt_type, opts)
        return x, y
    return make


def m_reduce(code, shape, axes, keep):
    def make(b: Builder):
        x = f(b, shape)
        red = {a % len(shape) for a in axes}
        oshape = [1 if i in red else d for i, d in enumerate(shape)] if keep else \
            [d for i, d in enumerate(shape) if i not in red]
        y = f(b, oshape or [1])
        o = s.ReducerOptionsT()
        o.keepDims = keep
        b.op(code, [x, const_i32(b, axes)], [y], BO.ReducerOptions, o)
        return x, y
    return make


def m_chain(*codes, shape=(1, 5, 6, 7)):
    """unary ops one after the other (keeps SQRT/RSQRT inputs non-negative)"""
    def make(b: Builder):
        x = t = f(b, shape)
        for code in codes:
            y = f(b, shape)
            b.op(code, [t], [y])
            t = y
        return x, t
    return make


def m_concat_pad(b: Builder):
    """two float inputs -> CONCATENATION (axis -1) -> PAD -> RESHAPE"""
    x1, x2 = f(b, [1, 3, 4, 2]), f(b, [1, 3, 4, 3])
    c = f(b, [1, 3, 4, 5])
    o = s.ConcatenationOptionsT()
    o.axis = -1
    b.op(OP.CONCATENATION, [x1, x2], [c], BO.ConcatenationOptions, o)
    p = f(b, [1, 5, 5, 5])
    b.op(OP.PAD, [c, const_i32(b, [[0, 0], [1, 1], [0, 1], [0, 0]])], [p], BO.PadOptions, s.PadOptionsT())
    y = f(b, [1, 125])
    r = s.ReshapeOptionsT()
    r.newShape = [1, 125]
    b.op(OP.RESHAPE, [p, const_i32(b, [1, 125])], [y], BO.ReshapeOptions, r)
    return [x1, x2], y


def m_cnn_chain(b: Builder):
    """CONV_2D+RELU -> MAX_POOL -> DEPTHWISE -> MEAN -> FC -> SOFTMAX, all float"""
    x = f(b, [1, 12, 12, 2])
    w = fconst(b, [6, 3, 3, 2])
    c1 = f(b, [1, 12, 12, 6])
    b.op(OP.CONV_2D, [x, w, fconst(b, [6])], [c1], BO.Conv2DOptions, conv_opts(SAME, 1, RELU, 1))
    p = f(b, [1, 6, 6, 6])
    o = s.Pool2DOptionsT()
    o.padding, o.strideW, o.strideH, o.filterWidth, o.filterHeight = VALID, 2, 2, 2, 2
    b.op(OP.MAX_POOL_2D, [c1], [p], BO.Pool2DOptions, o)
    d = f(b, [1, 6, 6, 6])
    dw = s.DepthwiseConv2DOptionsT()
    dw.padding, dw.strideW, dw.strideH, dw.depthMultiplier, dw.fusedActivationFunction = SAME, 1, 1, 1, RELU6
    dw.dilationWFactor = dw.dilationHFactor = 1
    dw_in = [p, fconst(b, [1, 3, 3, 6]), fconst(b, [6])]
    b.op(OP.DEPTHWISE_CONV_2D, dw_in, [d], BO.DepthwiseConv2DOptions, dw)
    m = f(b, [1, 6])
    ro = s.ReducerOptionsT()
    b.op(OP.MEAN, [d, const_i32(b, [1, 2])], [m], BO.ReducerOptions, ro)
    fc = f(b, [1, 4])
    fo = s.FullyConnectedOptionsT()
    b.op(OP.FULLY_CONNECTED, [m, fconst(b, [4, 6]), fconst(b, [4])], [fc], BO.FullyConnectedOptions, fo)
    y = f(b, [1, 4])
    b.op(OP.SOFTMAX, [fc], [y], BO.SoftmaxOptions, softmax_opts(1.0))
    return x, y


CASES = {
    "f_fc_relu": m_fc([1, 20], 8, [1, 8], RELU),
    "f_fc_nobias_batches": m_fc([5, 13], 7, [5, 7], NONE, bias=False),
    "f_fc_keepdims_relu6": m_fc([2, 3, 16], 10, [2, 3, 10], RELU6, keep=True),
    "f_fc_relu_n1": m_fc([3, 9], 11, [3, 11], RELU_N1_TO_1),
    "f_conv_same_s1_relu": m_conv([1, 8, 7, 3], [5, 3, 3, 3], SAME, 1, RELU),
    "f_conv_valid_s2_relu6": m_conv([2, 9, 9, 4], [6, 3, 3, 4], VALID, 2, RELU6),
    "f_conv_same_dil2_nobias": m_conv([1, 9, 8, 2], [4, 3, 3, 2], SAME, 1, NONE, 2, bias=False),
    "f_conv_groups": m_conv([1, 6, 6, 6], [4, 3, 3, 3], SAME, 1, RELU_N1_TO_1),
    "f_conv1x1": m_conv([1, 5, 7, 13], [7, 1, 1, 13], VALID, 1, NONE),
    "f_dw_mult1_same": m_dw([1, 8, 8, 5], 3, 1, SAME, 1, RELU),
    "f_dw_mult2_valid_s2": m_dw([1, 9, 9, 3], 3, 2, VALID, 2, NONE),
    "f_dw_dil2_relu6": m_dw([1, 9, 8, 4], 3, 1, SAME, 1, RELU6, 2),
    "f_maxpool_same_s2_relu6": m_pool(OP.MAX_POOL_2D, SAME, 2, 3, RELU6),
    "f_maxpool_valid": m_pool(OP.MAX_POOL_2D, VALID, 1, 2, NONE),
    "f_avgpool_same_padded": m_pool(OP.AVERAGE_POOL_2D, SAME, 2, 3, NONE),
    "f_avgpool_valid_relu": m_pool(OP.AVERAGE_POOL_2D, VALID, 2, 2, RELU),
    "f_add_same": m_binary(OP.ADD, [1, 4, 5, 8], [1, 4, 5, 8], NONE),
    "f_add_bcast_relu": m_binary(OP.ADD, [1, 4, 5, 8], [1, 1, 1, 8], RELU, const_b=True),
    "f_sub_bcast": m_binary(OP.SUB, [2, 3, 4], [3, 1], RELU6),
    "f_sub_bcast5d": m_binary(OP.SUB, [1, 2, 3, 4, 5], [1, 2, 1, 4, 1], NONE),
    "f_mul_bcast": m_binary(OP.MUL, [5, 1, 6], [1, 7, 1], NONE),
    "f_mul_const_relu_n1": m_binary(OP.MUL, [1, 4, 5, 8], [8], RELU_N1_TO_1, const_b=True),
    "f_maximum_bcast": m_binary(OP.MAXIMUM, [1, 4, 5, 8], [1, 1, 5, 1], NONE),
    "f_minimum_const": m_binary(OP.MINIMUM, [1, 3, 4, 6], [6], NONE, const_b=True),
    "f_sqdiff_bcast": m_binary(OP.SQUARED_DIFFERENCE, [1, 2, 3, 4], [1, 1, 3, 4], NONE),
    "f_prelu_channels": m_binary(OP.PRELU, [1, 5, 6, 4], [1, 1, 4], NONE, const_b=True),
    "f_hard_swish": m_unary(OP.HARD_SWISH),
    "f_reduce_max_hw": m_reduce(OP.REDUCE_MAX, [1, 5, 6, 7], [1, 2], False),
    "f_reduce_min_last": m_reduce(OP.REDUCE_MIN, [1, 4, 9], [-1], True),
    "f_abs_sqrt": m_chain(OP.ABS, OP.SQRT),
    "f_square_rsqrt_neg": m_chain(OP.SQUARE, OP.RSQRT, OP.NEG),
    "f_elu": m_unary(OP.ELU),
    "f_relu": m_unary(OP.RELU),
    "f_relu6": m_unary(OP.RELU6),
    "f_leaky_02": m_unary(OP.LEAKY_RELU, opt_type=BO.LeakyReluOptions, opts=leaky(0.2)),
    "f_leaky_neg": m_unary(OP.LEAKY_RELU, opt_type=BO.LeakyReluOptions, opts=leaky(-0.3)),
    "f_logistic": m_unary(OP.LOGISTIC),
    "f_tanh": m_unary(OP.TANH),
    "f_softmax": m_unary(OP.SOFTMAX, (3, 10), BO.SoftmaxOptions, softmax_opts(1.0)),
    "f_softmax_beta": m_unary(OP.SOFTMAX, (2, 3, 7), BO.SoftmaxOptions, softmax_opts(0.37)),
    "f_mean_hw_keep": m_reduce(OP.MEAN, [2, 5, 6, 7], [1, 2], True),
    "f_mean_last": m_reduce(OP.MEAN, [3, 4, 9], [-1], False),
    "f_mean_0_2_repeat": m_reduce(OP.MEAN, [3, 4, 5], [0, 2, -1], False),
    "f_sum_0_2": m_reduce(OP.SUM, [3, 4, 5, 2], [0, 2], True),
    "f_concat_pad_reshape": m_concat_pad,
    "f_cnn_chain": m_cnn_chain,
}


def generate(out_dir: Path, seed: int) -> list[Path]:
    return gen_common.write_cases(out_dir, CASES, lambda i, _name: Builder(np.random.default_rng(seed + i)))


def main() -> int:
    return gen_common.main(__doc__, generate, 99)


if __name__ == "__main__":
    sys.exit(main())
