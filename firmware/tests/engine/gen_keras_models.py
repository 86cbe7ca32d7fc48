#!/usr/bin/env python3
"""Keras models of the kinds users write, fully int8-quantized (int8 inputs
and outputs, representative dataset of seeded random data), for checking
the engine against TFLite Micro on converter output rather than hand-built
graphs. Needs TensorFlow (the train environment), not the engine.

Models: CNN with a GlobalAveragePooling2D head; Flatten without a fixed
batch; sigmoid and tanh outputs; two branches concatenated and gated with
Multiply; ZeroPadding2D; Conv1D (plain and dilated, which lowers to
SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND); unrolled GRU and LSTM; a two-input,
two-output model. The weights are random (seeded): the point is the graph.

Float models (FLOAT_MODELS, names ending in _float): not quantized at all,
float32 inputs, weights and outputs, for the engine's float kernels (a
board with an FPU): an MLP, CNNs (BatchNormalization, SeparableConv2D,
swish, GlobalMaxPooling2D), Conv1D with ELU, LayerNormalization after
Average/Subtract/Maximum, and float twins of some of the above.

Usage: gen_keras_models.py OUT_DIR [--seed S]   (prints the files written)
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


def cnn_gap():
    x = L.Input((16, 16, 3), batch_size=1)
    h = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    h = L.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6")(h)
    h = L.Conv2D(16, 1, activation="relu")(h)
    h = L.GlobalAveragePooling2D()(h)
    return tf.keras.Model(x, L.Dense(5, activation="softmax")(h))


def flatten_dynamic():
    x = L.Input((6, 6, 2))  # batch left dynamic: Flatten lowers to SHAPE/STRIDED_SLICE/PACK/RESHAPE
    h = L.Conv2D(4, 3, activation="relu")(x)
    h = L.MaxPooling2D()(h)
    return tf.keras.Model(x, L.Dense(3)(L.Flatten()(h)))


def sigmoid_tanh():
    x = L.Input((20,), batch_size=1)
    h = L.Dense(16, activation="tanh")(x)
    return tf.keras.Model(x, L.Dense(4, activation="sigmoid")(h))


def gated_branches():
    x = L.Input((12, 12, 4), batch_size=1)
    a = L.Conv2D(6, 3, padding="same", activation="relu")(x)
    b = L.Conv2D(6, 1, padding="same", activation="tanh")(x)
    cat = L.Concatenate()([a, b])
    gate = L.Conv2D(12, 1, activation="sigmoid")(cat)
    h = L.Multiply()([cat, gate])
    h = L.GlobalAveragePooling2D()(h)
    return tf.keras.Model(x, L.Dense(3)(h))


def zero_padding():
    x = L.Input((10, 10, 3), batch_size=1)
    h = L.ZeroPadding2D(((1, 2), (2, 1)))(x)
    h = L.Conv2D(5, 3, activation="relu")(h)
    h = L.AveragePooling2D(2)(h)
    return tf.keras.Model(x, L.Flatten()(h))


def conv1d():
    x = L.Input((32, 4), batch_size=1)
    h = L.Conv1D(8, 3, padding="same", activation="relu")(x)
    h = L.Conv1D(8, 3, padding="causal", dilation_rate=2, activation="relu")(h)
    h = L.MaxPooling1D(2)(h)
    h = L.GlobalAveragePooling1D()(h)
    return tf.keras.Model(x, L.Dense(3)(h))


def conv1d_plain():
    x = L.Input((24, 3), batch_size=1)
    h = L.Conv1D(6, 5, strides=2, activation="relu")(x)
    return tf.keras.Model(x, L.Dense(2)(L.Flatten()(h)))


def gru_unrolled():
    x = L.Input((6, 5), batch_size=1)
    h = L.GRU(8, unroll=True)(x)
    return tf.keras.Model(x, L.Dense(3)(h))


def lstm_unrolled():
    x = L.Input((6, 5), batch_size=1)
    h = L.LSTM(8, unroll=True)(x)
    return tf.keras.Model(x, L.Dense(3)(h))


def two_in_two_out():
    # names sort in model order: the converter orders the signature's inputs by name
    a = L.Input((8, 8, 2), batch_size=1, name="a_image")
    b = L.Input((5,), batch_size=1, name="b_features")
    h = L.Conv2D(4, 3, activation="relu")(a)
    h = L.GlobalAveragePooling2D()(h)
    g = L.Dense(4, activation="relu")(b)
    m = L.Concatenate()([h, g])
    out1 = L.Dense(3, activation="softmax", name="a_cls")(m)
    out2 = L.Dense(1, name="b_reg")(m)
    return tf.keras.Model([a, b], [out1, out2])


def float_mlp():
    x = L.Input((64,), batch_size=1)
    h = L.Dense(32, activation="relu")(x)
    h = L.Dense(16, activation="relu6")(h)
    return tf.keras.Model(x, L.Dense(10, activation="softmax")(h))


def float_cnn():
    x = L.Input((16, 16, 1), batch_size=1)
    h = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    h = L.MaxPooling2D()(h)
    h = L.DepthwiseConv2D(3, padding="same", activation="relu")(h)
    h = L.Conv2D(12, 3, strides=2, padding="valid")(h)
    h = L.LeakyReLU(0.1)(h)
    h = L.AveragePooling2D(2, padding="same")(h)
    h = L.Flatten()(h)
    return tf.keras.Model(x, L.Dense(10, activation="softmax")(h))


MODELS = {
    "keras_cnn_gap": cnn_gap,
    "keras_flatten_dynamic_batch": flatten_dynamic,
    "keras_sigmoid_tanh": sigmoid_tanh,
    "keras_gated_branches": gated_branches,
    "keras_zero_padding": zero_padding,
    "keras_conv1d_dilated": conv1d,
    "keras_conv1d": conv1d_plain,
    "keras_gru_unrolled": gru_unrolled,
    "keras_lstm_unrolled": lstm_unrolled,
    "keras_two_in_two_out": two_in_two_out,
}


def float_cnn_bn_separable():
    x = L.Input((20, 20, 1), batch_size=1)
    h = L.Rescaling(1 / 255.0)(x)
    h = L.Conv2D(8, 3, activation="relu")(h)
    h = L.BatchNormalization()(h)
    h = L.SeparableConv2D(12, 3, activation="swish")(h)
    h = L.MaxPooling2D()(h)
    h = L.Dropout(0.2)(h)
    h = L.GlobalMaxPooling2D()(h)
    h = L.Dense(16)(h)
    h = L.BatchNormalization()(h)
    h = L.Activation("relu")(h)
    return tf.keras.Model(x, L.Dense(10, activation="softmax")(h))


def float_conv1d_elu():
    x = L.Input((50, 3), batch_size=1)
    h = L.Conv1D(8, 5, activation="relu")(x)
    h = L.MaxPooling1D(2)(h)
    h = L.Conv1D(8, 3, activation="elu")(h)
    h = L.GlobalAveragePooling1D()(h)
    return tf.keras.Model(x, L.Dense(4)(h))


def float_layernorm_merge():
    x = L.Input((16,), batch_size=1)
    a = L.Dense(8, activation="sigmoid")(x)
    b = L.Dense(8, activation="tanh")(x)
    h = L.Average()([a, b])
    h = L.Subtract()([h, a])
    h = L.Maximum()([h, b])
    h = L.LayerNormalization()(h)
    return tf.keras.Model(x, L.Dense(3, activation="softmax")(h))


FLOAT_MODELS = {
    "keras_mlp_float": float_mlp,
    "keras_cnn_float": float_cnn,
    "keras_cnn_gap_float": cnn_gap,
    "keras_flatten_dynamic_batch_float": flatten_dynamic,
    "keras_sigmoid_tanh_float": sigmoid_tanh,
    "keras_gated_branches_float": gated_branches,
    "keras_conv1d_dilated_float": conv1d,
    "keras_gru_unrolled_float": gru_unrolled,
    "keras_two_in_two_out_float": two_in_two_out,
    "keras_cnn_bn_separable_float": float_cnn_bn_separable,
    "keras_conv1d_elu_float": float_conv1d_elu,
    "keras_layernorm_merge_float": float_layernorm_merge,
}


def convert_float(model: tf.keras.Model) -> bytes:
    """No quantization: float32 in, weights and out."""
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def convert(model: tf.keras.Model, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    shapes = [tuple(1 if d is None else d for d in t.shape) for t in model.inputs]

    names = [t.name.split(":")[0] for t in model.inputs]

    def rep():
        for _ in range(64):
            xs = [rng.standard_normal(sh).astype(np.float32) for sh in shapes]
            # several inputs: keyed by name (the signature's order is not the model's)
            yield dict(zip(names, xs, strict=True)) if len(xs) > 1 else xs

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def generate(out_dir: Path, seed: int, only: list[str] | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    jobs = [(i, name, build, False) for i, (name, build) in enumerate(MODELS.items())]
    jobs += [(100 + i, name, build, True) for i, (name, build) in enumerate(FLOAT_MODELS.items())]
    for i, name, build, is_float in jobs:
        if only and name not in only:
            continue
        tf.keras.utils.set_random_seed(seed + i)
        p = out_dir / f"{name}.tflite"
        try:
            p.write_bytes(convert_float(build()) if is_float else convert(build(), seed + i))
        except Exception as e:  # report and go on with the others
            print(f"{name}: conversion failed: {e}", file=sys.stderr)
            continue
        paths.append(p)
    return paths


def main() -> int:
    return gen_common.main(__doc__, generate, 7, only=True)


if __name__ == "__main__":
    sys.exit(main())
