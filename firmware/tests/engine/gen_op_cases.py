"""Parameter sweeps of single- and multi-operator models for gen_op_models.py:
activations, reductions, element-wise ops with broadcasting, data movement,
int32 shape arithmetic and models with several inputs/outputs. Quantization
parameters include edge zero points (-128, 127) and small/large scales."""
from __future__ import annotations

import numpy as np

from gen_op_models import INT8, INT32, Builder, s

OP = s.BuiltinOperator
BO = s.BuiltinOptions


def q(b: Builder, shape, scale=None, zp=None, ttype=INT8):
    """An activation tensor with given or random quantization."""
    if scale is None:
        scale = float(b.rng.uniform(0.01, 0.2))
    if zp is None:
        zp = int(b.rng.integers(-20, 20))
    return b.tensor(shape, ttype, scale, zp)


def const_i32(b: Builder, values, shape=None):
    v = np.asarray(values, dtype=np.int32)
    return b.tensor(list(v.shape) if shape is None else shape, INT32, None, 0, v)


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


def leaky(alpha):
    o = s.LeakyReluOptionsT()
    o.alpha = alpha
    return o


def activation_cases() -> dict:
    c = {}
    for i, (sc, zp) in enumerate([(0.05, 0), (0.1, -128), (0.02, 127), (0.3, 10), (0.004, -5)]):
        c[f"act_logistic_{i}"] = m_unary(OP.LOGISTIC, in_q=(sc, zp), out_q=(1 / 256, -128))
        c[f"act_tanh_{i}"] = m_unary(OP.TANH, in_q=(sc, zp), out_q=(1 / 128, 0))
        c[f"act_relu_{i}"] = m_unary(OP.RELU, in_q=(sc, zp))
        c[f"act_relu_same_q_{i}"] = m_unary(OP.RELU, in_q=(sc, zp), out_q=(sc, zp))
        c[f"act_relu6_{i}"] = m_unary(OP.RELU6, in_q=(sc, zp), out_q=(sc, zp))
        c[f"act_leaky_{i}"] = m_unary(OP.LEAKY_RELU, BO.LeakyReluOptions, leaky([0.2, 0.01, 0.5, 0.0, 1.5][i]),
                                      in_q=(sc, zp))
    return c


def cases() -> dict:
    out = {}
    for f in (activation_cases,):
        out.update(f())
    return out
