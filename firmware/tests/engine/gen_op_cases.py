"""Parameter sweeps of single- and multi-operator models for gen_op_models.py:
activations, reductions, element-wise ops with broadcasting and
normalizations here; data movement, image ops, int32 shape arithmetic and
models with several inputs/outputs in gen_op_cases_move.py. Quantization
parameters include edge zero points (-128, 127) and small/large scales."""

from __future__ import annotations

import numpy as np
from gen_op_models import INT8, INT32, Builder, const_i32, leaky, s

OP = s.BuiltinOperator
BO = s.BuiltinOptions


def q(b: Builder, shape, scale=None, zp=None, ttype=INT8):
    """An activation tensor with given or random quantization."""
    if scale is None:
        scale = float(b.rng.uniform(0.01, 0.2))
    if zp is None:
        zp = int(b.rng.integers(-20, 20))
    return b.tensor(shape, ttype, scale, zp)


def qparams(b: Builder, t):
    qq = b.tensors[t].quantization
    return qq.scale[0], qq.zeroPoint[0]


# ---------------------------------------------------------------- activations


def m_unary(code, opt_type=0, opts=None, shape=(1, 5, 6, 7), in_q=(None, None), out_q=(None, None)):
    def make(b: Builder):
        x = q(b, list(shape), *in_q)
        y = q(b, list(shape), *out_q)
        b.op(code, [x], [y], opt_type, opts)
        return x, y

    return make


def activation_cases() -> dict:
    c = {}
    for i, (sc, zp) in enumerate([(0.05, 0), (0.1, -128), (0.02, 127), (0.3, 10), (0.004, -5)]):
        c[f"act_logistic_{i}"] = m_unary(OP.LOGISTIC, in_q=(sc, zp), out_q=(1 / 256, -128))
        c[f"act_tanh_{i}"] = m_unary(OP.TANH, in_q=(sc, zp), out_q=(1 / 128, 0))
        c[f"act_relu_{i}"] = m_unary(OP.RELU, in_q=(sc, zp))
        c[f"act_relu_same_q_{i}"] = m_unary(OP.RELU, in_q=(sc, zp), out_q=(sc, zp))
        c[f"act_relu6_{i}"] = m_unary(OP.RELU6, in_q=(sc, zp), out_q=(sc, zp))
        c[f"act_hard_swish_{i}"] = m_unary(
            OP.HARD_SWISH, in_q=(sc, zp), out_q=([0.02, 0.05, 0.01, 0.2, 0.003][i], [-30, 0, -128, 5, 127][i])
        )
        c[f"act_elu_{i}"] = m_unary(OP.ELU, in_q=(sc, zp), shape=(1, 16, 16, 2) if i % 2 else (1, 5, 6, 7))
        c[f"act_leaky_{i}"] = m_unary(
            OP.LEAKY_RELU, BO.LeakyReluOptions, leaky([0.2, 0.01, 0.5, 0.0, 1.5][i]), in_q=(sc, zp)
        )
    return c


# ---------------------------------------------------------------- reductions


def reducer(keep):
    o = s.ReducerOptionsT()
    o.keepDims = keep
    return o


def m_reduce(code, shape, axes, keep, same_q=False, in_q=(None, None), out_q=(None, None)):
    def make(b: Builder):
        x = q(b, list(shape), *in_q)
        nd = len(shape)
        red = {a % nd for a in axes}
        oshape = (
            [1 if d in red else n for d, n in enumerate(shape)]
            if keep
            else [n for d, n in enumerate(shape) if d not in red]
        )
        y = b.tensor(oshape, INT8, *qparams(b, x)) if same_q else q(b, oshape, *out_q)
        b.op(code, [x, const_i32(b, axes)], [y], BO.ReducerOptions, reducer(keep))
        return x, y

    return make


def m_arg(code, shape, axis, out_type):
    def make(b: Builder):
        x = q(b, list(shape))
        oshape = [n for d, n in enumerate(shape) if d != axis % len(shape)]
        y = b.tensor(oshape, out_type)
        if code == OP.ARG_MAX:
            o, t = s.ArgMaxOptionsT(), BO.ArgMaxOptions
        else:
            o, t = s.ArgMinOptionsT(), BO.ArgMinOptions
        o.outputType = out_type
        b.op(code, [x, const_i32(b, [axis])], [y], t, o)
        return x, y

    return make


def reduction_cases() -> dict:
    c = {}
    sweeps = [
        ((1, 6, 5, 8), [1, 2], True),
        ((1, 6, 5, 8), [1, 2], False),
        ((2, 7, 9), [-1], False),
        ((3, 4, 5), [0, 2], True),
        ((4, 10), [0], False),
        ((1, 3, 3, 200), [3], True),
        ((2, 3, 4, 5), [1, -1, 1], False),
        ((1, 1, 17, 3), [2], True),
    ]
    for i, (shape, axes, keep) in enumerate(sweeps):
        c[f"reduce_mean_{i}"] = m_reduce(OP.MEAN, shape, axes, keep)
        c[f"reduce_sum_{i}"] = m_reduce(OP.SUM, shape, axes, keep)
        c[f"reduce_max_{i}"] = m_reduce(OP.REDUCE_MAX, shape, axes, keep, same_q=True)
        c[f"reduce_min_{i}"] = m_reduce(OP.REDUCE_MIN, shape, axes, keep, same_q=True)
    c["reduce_mean_same_q"] = m_reduce(
        OP.MEAN, (1, 4, 4, 6), [1, 2], True, in_q=(0.05, -128), out_q=(0.05, -128)
    )
    c["reduce_mean_zp127"] = m_reduce(
        OP.MEAN, (1, 5, 3, 6), [1, 2], False, in_q=(0.02, 127), out_q=(0.01, 127)
    )
    c["reduce_sum_small_out"] = m_reduce(OP.SUM, (2, 30), [1], False, in_q=(0.01, 3), out_q=(0.5, -7))
    c["reduce_sum_big_out"] = m_reduce(OP.SUM, (2, 3), [1], True, in_q=(0.2, 0), out_q=(0.002, 0))
    for i, (shape, axis) in enumerate([((1, 5, 7), -1), ((3, 4, 2), 1), ((6, 3), 0), ((2, 2, 2, 9), 3)]):
        c[f"arg_max_{i}"] = m_arg(OP.ARG_MAX, shape, axis, INT32)
        c[f"arg_min_{i}"] = m_arg(OP.ARG_MIN, shape, axis, INT32)
    return c


# ---------------------------------------------------------------- element-wise


def arith_opts(code, act):
    if code == OP.MUL:
        o, t = s.MulOptionsT(), BO.MulOptions
    elif code == OP.SUB:
        o, t = s.SubOptionsT(), BO.SubOptions
    else:
        return 0, None
    o.fusedActivationFunction = act
    return t, o


def m_binary(code, shape_a, shape_b, act=0, const_b=False, qa=(None, None), qb=(None, None), qo=(None, None)):
    def make(b: Builder):
        x = q(b, list(shape_a), *qa)
        oshape = list(np.broadcast_shapes(tuple(shape_a), tuple(shape_b)))
        if const_b:
            data = b.rng.integers(-128, 128, size=shape_b, dtype=np.int64).astype(np.int8)
            sc, zp = qb
            yb = b.tensor(list(shape_b), INT8, sc or 0.05, zp or 0, data)
            inputs = x
        else:
            yb = q(b, list(shape_b), *qb)
            inputs = [x, yb]
        out = q(b, oshape, *qo)
        t, o = arith_opts(code, act)
        b.op(code, [x, yb], [out], t, o)
        return inputs, out

    return make


def elementwise_cases() -> dict:
    c = {}
    shapes = [
        ((1, 4, 5, 8), (1, 4, 5, 8)),
        ((1, 4, 5, 8), (1, 1, 1, 8)),
        ((2, 3, 4), (3, 1)),
        ((5, 1, 6), (1, 7, 1)),
        ((1, 2, 3, 4, 5), (1, 2, 1, 4, 1)),
        ((6,), (1,)),
    ]
    for code, name in (
        (OP.MUL, "mul"),
        (OP.SUB, "sub"),
        (OP.SQUARED_DIFFERENCE, "sqdiff"),
        (OP.MAXIMUM, "maximum"),
        (OP.MINIMUM, "minimum"),
    ):
        for i, (sa, sb) in enumerate(shapes):
            if code == OP.MUL and len(sa) > 4:
                continue  # TFLM's int8 MUL broadcasts up to 4-D
            c[f"ew_{name}_{i}"] = m_binary(code, sa, sb)
        c[f"ew_{name}_const_edge_zp"] = m_binary(
            code, (1, 3, 3, 4), (4,), const_b=True, qa=(0.03, -128), qb=(0.1, 127), qo=(0.05, 127)
        )
    for act in (1, 2, 3):
        c[f"ew_mul_act{act}"] = m_binary(OP.MUL, (2, 5, 6), (2, 5, 6), act)
        c[f"ew_sub_act{act}"] = m_binary(OP.SUB, (2, 5, 6), (1, 6), act)
    for i, (sa, sb) in enumerate([((1, 4, 5, 6), (1, 1, 6)), ((2, 3, 4), (2, 3, 4)), ((1, 3, 3, 2), (1,))]):
        c[f"ew_prelu_{i}"] = m_binary(
            OP.PRELU, sa, sb, const_b=True, qa=(0.05, [3, -128, 127][i]), qb=(0.01, [0, -50, 20][i])
        )
    c["ew_mul_big_scale"] = m_binary(OP.MUL, (3, 7), (3, 7), qa=(0.5, 0), qb=(0.7, 3), qo=(0.01, -3))
    c["ew_sqdiff_small_out"] = m_binary(
        OP.SQUARED_DIFFERENCE, (3, 7), (3, 7), qa=(0.01, 5), qb=(0.02, -9), qo=(0.0001, -128)
    )
    return c


def other_cases() -> dict:
    c = {}
    for i, (shape, sc, zp) in enumerate(
        [
            ((1, 4, 5, 8), 0.05, 0),
            ((3, 17), 0.1, -128),
            ((2, 1), 0.02, 127),
            ((1, 2, 300), 0.003, 5),
            ((4, 3, 2), 0.5, -7),
        ]
    ):
        c[f"norm_l2_{i}"] = m_unary(
            OP.L2_NORMALIZATION,
            BO.L2NormOptions,
            s.L2NormOptionsT(),
            shape=shape,
            in_q=(sc, zp),
            out_q=(1 / 128, 0),
        )
    for i, (shape, sc, zp) in enumerate(
        [
            ((3, 7), 0.1, 0),
            ((2, 10), 0.05, -128),
            ((1, 4, 33), 0.3, 127),
            ((5, 2), 0.01, 3),
            ((2, 3, 64), 0.08, -20),
        ]
    ):
        c[f"norm_log_softmax_{i}"] = m_unary(
            OP.LOG_SOFTMAX,
            BO.LogSoftmaxOptions,
            s.LogSoftmaxOptionsT(),
            shape=shape,
            in_q=(sc, zp),
            out_q=(16 / 256, 127),
        )
    return c


def cases() -> dict:
    import gen_op_cases_move as mv

    out = {}
    for f in (
        activation_cases,
        reduction_cases,
        elementwise_cases,
        mv.movement_cases,
        mv.image_cases,
        other_cases,
    ):
        out.update(f())
    return out
