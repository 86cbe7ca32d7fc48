#!/usr/bin/env python3
"""Keras models for the engine's 16x8 kernels and stateful recurrent layers,
converted by the TFLite converter (so the graphs are the converter's, not
hand-built). Needs TensorFlow (the train environment), not the engine.

16x8 models (int16 activations, int8 weights, int64 bias: the converter's
EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 mode, int16
input and output tensors): one per operator family, named `x16_*`:
Dense (FULLY_CONNECTED), Conv2D, DepthwiseConv2D, Add, Subtract, Multiply,
softmax/sigmoid/tanh heads, a keyword-spotting-like stack, and max/average
pooling with Concatenate and ZeroPadding2D (PAD).

Recurrent models (a Keras LSTM without unroll lowers to
UNIDIRECTIONAL_SEQUENCE_LSTM with variable state tensors): int8
(`rec_lstm_int8`, also two stacked layers) and 16x8 (`rec_lstm_16x8`). The
TensorFlow installed here crashes (segmentation fault) while calibrating an
LSTM for full-integer quantization, so these are not among the committed
fixtures; gen_state_cases.py builds LSTM models by hand instead.

The weights are random (seeded): the point is the graph and the arithmetic.

Usage: gen_recurrent_models.py OUT_DIR [--seed S] [--only NAME ...]
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import gen_common
import numpy as np
import tensorflow as tf

L = tf.keras.layers


def x16_dense():
    x = L.Input((24,), batch_size=1)
    h = L.Dense(16, activation="relu")(x)
    return tf.keras.Model(x, L.Dense(6)(h))


def x16_conv():
    x = L.Input((10, 10, 3), batch_size=1)
    h = L.Conv2D(6, 3, padding="same", activation="relu")(x)
    h = L.Conv2D(8, 3, strides=2, padding="valid")(h)
    return tf.keras.Model(x, h)


def x16_dwconv():
    x = L.Input((9, 9, 4), batch_size=1)
    h = L.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    h = L.DepthwiseConv2D(3, strides=2, depth_multiplier=2)(h)
    return tf.keras.Model(x, h)


def x16_arith():
    x = L.Input((6, 6, 4), batch_size=1)
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(4, 3, padding="same")(x)
    s = L.Add()([a, b])
    d = L.Subtract()([a, b])
    return tf.keras.Model(x, L.Multiply()([s, d]))


def x16_heads():
    x = L.Input((20,), batch_size=1)
    h = L.Dense(12, activation="tanh")(x)
    h = L.Dense(8, activation="sigmoid")(h)
    return tf.keras.Model(x, L.Dense(5, activation="softmax")(h))


def x16_kws():
    x = L.Input((20, 10, 1), batch_size=1)
    h = L.Conv2D(8, (5, 3), strides=(2, 2), padding="same", activation="relu")(x)
    h = L.DepthwiseConv2D(3, padding="same", activation="relu")(h)
    h = L.Conv2D(8, 1, activation="relu")(h)
    h = L.Flatten()(h)
    return tf.keras.Model(x, L.Dense(4)(h))


def x16_pools():
    x = L.Input((12, 12, 3), batch_size=1)
    a = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    m = L.MaxPooling2D(2)(a)
    v = L.AveragePooling2D(3, strides=2, padding="same")(a)
    h = L.Concatenate()([m, v])
    h = L.ZeroPadding2D(1)(h)
    h = L.Conv2D(4, 3)(h)
    return tf.keras.Model(x, L.Dense(3)(L.Flatten()(h)))


def rec_lstm():
    x = L.Input((8, 6), batch_size=1)
    h = L.LSTM(12)(x)
    return tf.keras.Model(x, L.Dense(4)(h))


def rec_lstm2():
    x = L.Input((10, 5), batch_size=1)
    h = L.LSTM(8, return_sequences=True)(x)
    h = L.LSTM(6)(h)
    return tf.keras.Model(x, L.Dense(3)(h))


MODELS = {  # name: (builder, mode)
    "x16_dense": (x16_dense, "16x8"),
    "x16_conv": (x16_conv, "16x8"),
    "x16_dwconv": (x16_dwconv, "16x8"),
    "x16_arith": (x16_arith, "16x8"),
    "x16_heads": (x16_heads, "16x8"),
    "x16_kws": (x16_kws, "16x8"),
    "x16_pools": (x16_pools, "16x8"),
    "rec_lstm_int8": (rec_lstm, "int8"),
    "rec_lstm2_int8": (rec_lstm2, "int8"),
    "rec_lstm_16x8": (rec_lstm, "16x8"),
}


def convert(model: tf.keras.Model, seed: int, mode: str) -> bytes:
    rng = np.random.default_rng(seed)
    shape = tuple(1 if d is None else d for d in model.inputs[0].shape)

    def rep():
        for _ in range(64):
            yield [rng.standard_normal(shape).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    if mode == "16x8":
        ops = tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        conv.target_spec.supported_ops = [ops]
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def generate(out_dir: Path, seed: int, only: list[str] | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (name, (build, mode)) in enumerate(MODELS.items()):
        if only and name not in only:
            continue
        tf.keras.utils.set_random_seed(seed + i)
        p = out_dir / f"{name}.tflite"
        try:
            p.write_bytes(convert(build(), seed + i, mode))
        except Exception as e:
            print(f"{name}: conversion failed: {e}", file=sys.stderr)
            continue
        paths.append(p)
    return paths


def main() -> int:
    return gen_common.main(__doc__, generate, 11, only=True)


if __name__ == "__main__":
    sys.exit(main())
