#!/usr/bin/env python3
"""Hand-built stateful models: UNIDIRECTIONAL_SEQUENCE_LSTM (int8 and 16x8)
and SVDF (int8 input, int16 or int8 state), with variable state tensors;
and 16x8 single-operator cases (`op16_*`: SOFTMAX, LOGISTIC, TANH with
power-of-two and general input scales, FULLY_CONNECTED with an int32 bias,
QUANTIZE int16 <-> int8, DEQUANTIZE int16).

They cover what TFLM's example models do not: batches above 1, time-major
inputs, cell clipping, 16x8 LSTM (the installed converter cannot produce one),
SVDF rank above 1 and an int8 state with a nonzero zero point. Built with
gen_op_models.Builder (the TFLite schema's object API) and seeded random
weights, like the other synthetic cases.

Usage: gen_state_cases.py OUT_DIR [--seed S]   (prints the files written)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_common
from gen_op_models import INT8, INT16, INT32, Builder, s, softmax_opts

INT64 = s.TensorType.INT64
TANH = 4


def variable(b: Builder, shape, ttype, scale, zp=0) -> int:
    t = b.tensor(shape, ttype, scale, zp)
    b.tensors[t].isVariable = True
    return t


def m_lstm(b: Builder, batch, steps, n_in, n_state, wide, time_major=False, clip=0.0):
    act = INT16 if wide else INT8
    shape_in = [steps, batch, n_in] if time_major else [batch, steps, n_in]
    shape_out = [steps, batch, n_state] if time_major else [batch, steps, n_state]
    sx = float(b.rng.uniform(0.02, 0.06)) / (256 if wide else 1)
    zx = 0 if wide else int(b.rng.integers(-20, 20))
    x = b.tensor(shape_in, act, sx, zx)
    sh = float(b.rng.uniform(0.004, 0.01)) / (256 if wide else 1)
    zh = 0 if wide else int(b.rng.integers(-10, 10))

    def w(rows, cols, s_in):
        data = b.rng.integers(-127, 128, size=(rows, cols), dtype=np.int64).astype(np.int8)
        scale = float(b.rng.uniform(0.5, 1.5)) / (s_in * 127 * 8 * max(cols, 1) ** 0.5) * 2**-12 * 4096
        return b.tensor([rows, cols], INT8, scale, 0, data)

    w_in = [w(n_state, n_in, sx) for _ in range(4)]
    w_rec = [w(n_state, n_state, sh) for _ in range(4)]
    biases = []
    for k in range(4):
        s_b = sx * b.tensors[w_in[k]].quantization.scale[0]
        lim = int(min(2**20, 0.5 / s_b))
        vals = b.rng.integers(-lim, lim + 1, size=n_state, dtype=np.int64)
        btype, bdtype = (INT64, np.int64) if wide else (INT32, np.int32)
        biases.append(b.tensor([n_state], btype, s_b, 0, vals.astype(bdtype)))
    hidden = variable(b, [batch, n_state], act, sh, zh)
    cell = variable(b, [batch, n_state], INT16, 2.0**-11)
    y = b.tensor(shape_out, act, sh, zh)
    o = s.UnidirectionalSequenceLSTMOptionsT()
    o.fusedActivationFunction, o.cellClip, o.projClip, o.timeMajor = TANH, clip, 0.0, time_major
    ins = [x, *w_in, *w_rec, -1, -1, -1, *biases, -1, -1, hidden, cell, -1, -1, -1, -1]
    b.op(s.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM, ins, [y],
         s.BuiltinOptions.UnidirectionalSequenceLSTMOptions, o)
    return x, y


def m_svdf(b: Builder, batch, n_in, n_units, rank, memory, state8=False):
    n_filter = n_units * rank
    sx, zx = float(b.rng.uniform(0.02, 0.06)), int(b.rng.integers(-20, 20))
    x = b.tensor([batch, n_in], INT8, sx, zx)
    wf = b.tensor([n_filter, n_in], INT8, float(b.rng.uniform(0.002, 0.01)), 0,
                  b.rng.integers(-127, 128, size=(n_filter, n_in), dtype=np.int64).astype(np.int8))
    st_type, st_dtype = (INT8, np.int8) if state8 else (INT16, np.int16)
    lim = 127 if state8 else 32767
    s_state = float(b.rng.uniform(0.01, 0.05)) * (64 if state8 else 1) / 64
    wt_scale = float(b.rng.uniform(0.002, 0.01)) * (1 if state8 else 1 / 256)
    wt = b.tensor([n_filter, memory], st_type, wt_scale, 0,
                  b.rng.integers(-lim, lim + 1, size=(n_filter, memory), dtype=np.int64).astype(st_dtype))
    bias = b.tensor([n_units], INT32, s_state * wt_scale, 0,
                    b.rng.integers(-5000, 5000, size=n_units, dtype=np.int64).astype(np.int32))
    state = variable(b, [batch, n_filter * memory], st_type, s_state,
                     int(b.rng.integers(-5, 5)) if state8 else 0)
    y = b.tensor([batch, n_units], INT8, float(b.rng.uniform(0.02, 0.2)), int(b.rng.integers(-10, 10)))
    o = s.SVDFOptionsT()
    o.rank, o.fusedActivationFunction = rank, 0
    b.op(s.BuiltinOperator.SVDF, [x, wf, wt, bias, state], [y], s.BuiltinOptions.SVDFOptions, o)
    return x, y


def m_unary16(b: Builder, code, opt_type, opts, in_scale, out_scale, shape=(3, 40)):
    x = b.tensor(list(shape), INT16, in_scale, 0)
    y = b.tensor(list(shape), INT16, out_scale, 0)
    b.op(code, [x], [y], opt_type, opts)
    return x, y


def m_fc16_bias32(b: Builder):
    x = b.tensor([2, 24], INT16, 0.0004, 0)
    w = b.weights([7, 24], None)
    s_b = 0.0004 * b.tensors[w].quantization.scale[0]
    values = b.rng.integers(-30000, 30000, size=7, dtype=np.int64).astype(np.int32)
    bias = b.tensor([7], INT32, s_b, 0, values)
    y = b.tensor([2, 7], INT16, 0.0005, 0)
    o = s.FullyConnectedOptionsT()
    b.op(s.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], s.BuiltinOptions.FullyConnectedOptions, o)
    return x, y


def m_quant16(b: Builder):
    """int16 -> QUANTIZE -> int8 -> QUANTIZE -> int16 -> DEQUANTIZE -> float"""
    x = b.tensor([4, 10], INT16, 0.0007, 0)
    q8 = b.tensor([4, 10], INT8, 0.06, 3)
    q16 = b.tensor([4, 10], INT16, 0.0002, 0)
    y = b.tensor([4, 10], s.TensorType.FLOAT32)
    b.op(s.BuiltinOperator.QUANTIZE, [x], [q8])
    b.op(s.BuiltinOperator.QUANTIZE, [q8], [q16])
    b.op(s.BuiltinOperator.DEQUANTIZE, [q16], [y])
    return x, y


SM, LOG, TAN = s.BuiltinOperator.SOFTMAX, s.BuiltinOperator.LOGISTIC, s.BuiltinOperator.TANH
SMO = s.BuiltinOptions.SoftmaxOptions

CASES = {
    "op16_softmax_beta1": lambda b: m_unary16(b, SM, SMO, softmax_opts(1.0), 0.0005, 2.0**-15),
    "op16_softmax_beta_half_wide": lambda b: m_unary16(
        b, SM, SMO, softmax_opts(0.5), 0.003, 2.0**-15, (2, 300)
    ),
    "op16_logistic_pot": lambda b: m_unary16(b, LOG, 0, None, 2.0**-12, 2.0**-15),
    "op16_logistic_general": lambda b: m_unary16(b, LOG, 0, None, 0.00037, 2.0**-15),
    "op16_tanh_pot": lambda b: m_unary16(b, TAN, 0, None, 2.0**-11, 2.0**-15),
    "op16_tanh_general": lambda b: m_unary16(b, TAN, 0, None, 0.0009, 2.0**-15),
    "op16_fc_bias32": m_fc16_bias32,
    "op16_quantize_chain": m_quant16,
    "state_lstm_int8_b1": lambda b: m_lstm(b, 1, 5, 7, 9, wide=False),
    "state_lstm_int8_b2": lambda b: m_lstm(b, 2, 4, 6, 5, wide=False),
    "state_lstm_int8_time_major": lambda b: m_lstm(b, 3, 4, 5, 6, wide=False, time_major=True),
    "state_lstm_int8_clip": lambda b: m_lstm(b, 1, 6, 4, 8, wide=False, clip=1.5),
    "state_lstm_16x8_b1": lambda b: m_lstm(b, 1, 5, 7, 9, wide=True),
    "state_lstm_16x8_b2_clip": lambda b: m_lstm(b, 2, 3, 6, 5, wide=True, clip=2.0),
    "state_lstm_16x8_time_major": lambda b: m_lstm(b, 2, 4, 5, 6, wide=True, time_major=True),
    "state_svdf_int16_rank1": lambda b: m_svdf(b, 1, 12, 6, 1, 5),
    "state_svdf_int16_rank2_b2": lambda b: m_svdf(b, 2, 10, 4, 2, 6),
    "state_svdf_int8_state": lambda b: m_svdf(b, 1, 16, 5, 2, 4, state8=True),
}


def generate(out_dir: Path, seed: int) -> list[Path]:
    return gen_common.write_cases(out_dir, CASES, lambda i, _name: Builder(np.random.default_rng(seed + i)))


def main() -> int:
    return gen_common.main(__doc__, generate, 57)


if __name__ == "__main__":
    sys.exit(main())
