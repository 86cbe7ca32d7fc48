"""Data-movement and image sweeps for gen_op_models.py (see gen_op_cases.py):
concatenation/pack/split, pad/mirror-pad, slices, transpose, space/batch and
depth/space rearrangements, gather, fill/broadcast/cast, resizes,
transpose convolution, the dynamic-batch Flatten chain and a model with two
inputs and two outputs."""

from __future__ import annotations

import numpy as np
from gen_op_cases import BO, OP, q, qparams, reducer
from gen_op_models import INT8, INT32, Builder, const_i32, s

# ---------------------------------------------------------------- data movement


def m_concat(shapes, axis, n_model_inputs=None):
    def make(b: Builder):
        xs = [q(b, list(shapes[0]))]
        sc, zp = qparams(b, xs[0])
        xs += [b.tensor(list(sh), INT8, sc, zp) for sh in shapes[1:]]
        nd = len(shapes[0])
        ax = axis % nd
        oshape = list(shapes[0])
        oshape[ax] = sum(sh[ax] for sh in shapes)
        y = b.tensor(oshape, INT8, sc, zp)
        o = s.ConcatenationOptionsT()
        o.axis = axis
        b.op(OP.CONCATENATION, xs, [y], BO.ConcatenationOptions, o)
        return xs, y

    return make


def m_pack(shape, n, axis):
    def make(b: Builder):
        x0 = q(b, list(shape))
        sc, zp = qparams(b, x0)
        xs = [x0] + [b.tensor(list(shape), INT8, sc, zp) for _ in range(n - 1)]
        oshape = list(shape)
        oshape.insert(axis % (len(shape) + 1), n)
        y = b.tensor(oshape, INT8, sc, zp)
        o = s.PackOptionsT()
        o.valuesCount, o.axis = n, axis
        b.op(OP.PACK, xs, [y], BO.PackOptions, o)
        return xs, y

    return make


def m_unpack(shape, axis):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        ax = axis % len(shape)
        oshape = [d for k, d in enumerate(shape) if k != ax]
        ys = [b.tensor(oshape, INT8, sc, zp) for _ in range(shape[ax])]
        o = s.UnpackOptionsT()
        o.num, o.axis = shape[ax], axis
        b.op(OP.UNPACK, [x], ys, BO.UnpackOptions, o)
        return x, ys

    return make


def m_split(shape, axis, n):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        oshape = list(shape)
        oshape[axis % len(shape)] //= n
        ys = [b.tensor(oshape, INT8, sc, zp) for _ in range(n)]
        o = s.SplitOptionsT()
        o.numSplits = n
        b.op(OP.SPLIT, [const_i32(b, [axis], []), x], ys, BO.SplitOptions, o)
        return x, ys

    return make


def m_split_v(shape, axis, sizes):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        ax = axis % len(shape)
        real = [sz if sz >= 0 else shape[ax] - sum(v for v in sizes if v >= 0) for sz in sizes]
        ys = []
        for sz in real:
            oshape = list(shape)
            oshape[ax] = sz
            ys.append(b.tensor(oshape, INT8, sc, zp))
        o = s.SplitVOptionsT()
        o.numSplits = len(sizes)
        b.op(OP.SPLIT_V, [x, const_i32(b, sizes), const_i32(b, [axis], [])], ys, BO.SplitVOptions, o)
        return x, ys

    return make


def m_pad(shape, pads, v2=None, in_q=(None, None)):
    def make(b: Builder):
        x = q(b, list(shape), *in_q)
        sc, zp = qparams(b, x)
        oshape = [d + p0 + p1 for d, (p0, p1) in zip(shape, pads, strict=True)]
        y = b.tensor(oshape, INT8, sc, zp)
        ins = [x, const_i32(b, pads)]
        if v2 is not None:
            ins.append(b.tensor([1], INT8, sc, zp, np.array([v2], dtype=np.int8)))
            b.op(OP.PADV2, ins, [y], BO.PadV2Options, s.PadV2OptionsT())
        else:
            b.op(OP.PAD, ins, [y], BO.PadOptions, s.PadOptionsT())
        return x, y

    return make


def m_strided_slice(shape, begin, end, strides, bm=0, em=0, sm=0):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        ref = np.zeros(shape)
        sl = []
        for k in range(len(shape)):
            if sm >> k & 1:
                sl.append(begin[k])
            else:
                sl.append(
                    slice(None if bm >> k & 1 else begin[k], None if em >> k & 1 else end[k], strides[k])
                )
        oshape = list(ref[tuple(sl)].shape)
        y = b.tensor(oshape, INT8, sc, zp)
        o = s.StridedSliceOptionsT()
        o.beginMask, o.endMask, o.shrinkAxisMask = bm, em, sm
        b.op(
            OP.STRIDED_SLICE,
            [x, const_i32(b, begin), const_i32(b, end), const_i32(b, strides)],
            [y],
            BO.StridedSliceOptions,
            o,
        )
        return x, y

    return make


def m_slice(shape, begin, size):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        oshape = [d - bb if sz == -1 else sz for d, bb, sz in zip(shape, begin, size, strict=True)]
        y = b.tensor(oshape, INT8, sc, zp)
        b.op(OP.SLICE, [x, const_i32(b, begin), const_i32(b, size)], [y], BO.SliceOptions, s.SliceOptionsT())
        return x, y

    return make


def m_transpose(shape, perm):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        y = b.tensor([shape[p] for p in perm], INT8, sc, zp)
        b.op(OP.TRANSPOSE, [x, const_i32(b, perm)], [y], BO.TransposeOptions, s.TransposeOptionsT())
        return x, y

    return make


def m_flatten_dynamic(b: Builder):
    """Keras Flatten with a dynamic batch: SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, then FC."""
    x = q(b, [1, 4, 3, 5])
    shp = b.tensor([4], INT32)
    b.op(OP.SHAPE, [x], [shp], BO.ShapeOptions, s.ShapeOptionsT())
    batch = b.tensor([], INT32)
    o = s.StridedSliceOptionsT()
    o.shrinkAxisMask = 1
    b.op(
        OP.STRIDED_SLICE,
        [shp, const_i32(b, [0]), const_i32(b, [1]), const_i32(b, [1])],
        [batch],
        BO.StridedSliceOptions,
        o,
    )
    minus1 = const_i32(b, [60], [])
    packed = b.tensor([2], INT32)
    po = s.PackOptionsT()
    po.valuesCount, po.axis = 2, 0
    b.op(OP.PACK, [batch, minus1], [packed], BO.PackOptions, po)
    sc, zp = qparams(b, x)
    flat = b.tensor([1, 60], INT8, sc, zp)
    ro = s.ReshapeOptionsT()
    b.op(OP.RESHAPE, [x, packed], [flat], BO.ReshapeOptions, ro)
    w = b.weights([10, 60], None)
    y = q(b, [1, 10])
    fo = s.FullyConnectedOptionsT()
    b.op(OP.FULLY_CONNECTED, [flat, w, b.bias(10, flat, w)], [y], BO.FullyConnectedOptions, fo)
    return x, y


def m_two_in_two_out(b: Builder):
    """Two inputs, two outputs: concat -> (logistic, mean)."""
    xa = q(b, [1, 6, 4])
    sc, zp = qparams(b, xa)
    xb = b.tensor([1, 6, 3], INT8, sc, zp)
    cat = b.tensor([1, 6, 7], INT8, sc, zp)
    o = s.ConcatenationOptionsT()
    o.axis = -1
    b.op(OP.CONCATENATION, [xa, xb], [cat], BO.ConcatenationOptions, o)
    y1 = b.tensor([1, 6, 7], INT8, 1 / 256, -128)
    b.op(OP.LOGISTIC, [cat], [y1])
    y2 = q(b, [1, 7])
    b.op(OP.MEAN, [cat, const_i32(b, [1])], [y2], BO.ReducerOptions, reducer(False))
    return [xa, xb], [y1, y2]


def m_s2b(shape, block, pads, to_batch=True, in_q=(None, None)):
    def make(b: Builder):
        x = q(b, list(shape), *in_q)
        sc, zp = qparams(b, x)
        sp = len(shape) - 2
        n = shape[0]
        if to_batch:
            oshape = (
                [n * int(np.prod(block))]
                + [(shape[1 + k] + pads[k][0] + pads[k][1]) // block[k] for k in range(sp)]
                + [shape[-1]]
            )
            code, t, o = OP.SPACE_TO_BATCH_ND, BO.SpaceToBatchNDOptions, s.SpaceToBatchNDOptionsT()
        else:
            oshape = (
                [n // int(np.prod(block))]
                + [shape[1 + k] * block[k] - pads[k][0] - pads[k][1] for k in range(sp)]
                + [shape[-1]]
            )
            code, t, o = OP.BATCH_TO_SPACE_ND, BO.BatchToSpaceNDOptions, s.BatchToSpaceNDOptionsT()
        y = b.tensor(oshape, INT8, sc, zp)
        b.op(code, [x, const_i32(b, block), const_i32(b, pads)], [y], t, o)
        return x, y

    return make


def m_depth_space(shape, bs, d2s):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        n, h, w, c = shape
        if d2s:
            oshape, code, t, o = (
                [n, h * bs, w * bs, c // (bs * bs)],
                OP.DEPTH_TO_SPACE,
                BO.DepthToSpaceOptions,
                s.DepthToSpaceOptionsT(),
            )
        else:
            oshape, code, t, o = (
                [n, h // bs, w // bs, c * bs * bs],
                OP.SPACE_TO_DEPTH,
                BO.SpaceToDepthOptions,
                s.SpaceToDepthOptionsT(),
            )
        o.blockSize = bs
        y = b.tensor(oshape, INT8, sc, zp)
        b.op(code, [x], [y], t, o)
        return x, y

    return make


def m_resize(shape, size, bilinear, align=False, half=False):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        y = b.tensor([shape[0], size[0], size[1], shape[3]], INT8, sc, zp)
        if bilinear:
            o, t, code = s.ResizeBilinearOptionsT(), BO.ResizeBilinearOptions, OP.RESIZE_BILINEAR
        else:
            o, t, code = (
                s.ResizeNearestNeighborOptionsT(),
                BO.ResizeNearestNeighborOptions,
                OP.RESIZE_NEAREST_NEIGHBOR,
            )
        o.alignCorners, o.halfPixelCenters = align, half
        b.op(code, [x, const_i32(b, size)], [y], t, o)
        return x, y

    return make


def m_tconv(in_shape, oc, k, stride, padding, per_channel, with_bias, act=0, in_q=(None, None)):
    def make(b: Builder):
        n, h, w, ic = in_shape
        x = q(b, list(in_shape), *in_q)
        wt = b.weights([oc, k, k, ic], 0 if per_channel else None)
        if padding == s.Padding.SAME:
            oh, ow = h * stride, w * stride
        else:
            oh, ow = (h - 1) * stride + k, (w - 1) * stride + k
        y = q(b, [n, oh, ow, oc])
        ins = [const_i32(b, [n, oh, ow, oc]), wt, x]
        if with_bias:
            ins.append(b.bias(oc, x, wt))
        o = s.TransposeConvOptionsT()
        o.padding, o.strideW, o.strideH, o.fusedActivationFunction = padding, stride, stride, act
        b.op(OP.TRANSPOSE_CONV, ins, [y], BO.TransposeConvOptions, o)
        return x, y

    return make


def image_cases() -> dict:
    c = {}
    SAME, VALID = s.Padding.SAME, s.Padding.VALID
    tc = [
        ((1, 4, 5, 3), 6, 3, 2, SAME, True, True, 0),
        ((1, 4, 4, 2), 4, 3, 2, VALID, True, False, 1),
        ((2, 3, 3, 4), 5, 2, 2, SAME, False, True, 3),
        ((1, 5, 3, 3), 2, 3, 1, SAME, True, True, 0),
        ((1, 3, 4, 2), 3, 4, 3, VALID, False, False, 0),
        ((1, 6, 6, 8), 8, 3, 2, SAME, True, True, 1),
    ]
    for i, args in enumerate(tc):
        c[f"img_transpose_conv_{i}"] = m_tconv(*args)
    c["img_transpose_conv_zp_edge"] = m_tconv((1, 3, 3, 2), 3, 3, 2, SAME, True, True, 0, in_q=(0.02, -128))
    sweeps = [((1, 4, 5, 3), (8, 10)), ((1, 6, 6, 2), (3, 4)), ((2, 3, 7, 1), (5, 5)), ((1, 1, 4, 2), (3, 9))]
    for i, (shape, size) in enumerate(sweeps):
        for bil in (False, True):
            name = "bilinear" if bil else "nearest"
            c[f"img_{name}_{i}"] = m_resize(shape, size, bil)
            c[f"img_{name}_{i}_align"] = m_resize(shape, size, bil, align=True)
            c[f"img_{name}_{i}_half"] = m_resize(shape, size, bil, half=True)
    return c


def m_gather(shape, coords, axis, batch_dims=0):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        co = np.asarray(coords, dtype=np.int32)
        ci = b.tensor(list(co.shape), INT32, None, 0, co)
        ax = axis % len(shape)
        oshape = list(shape[:ax]) + list(co.shape[batch_dims:]) + list(shape[ax + 1 :])
        y = b.tensor(oshape, INT8, sc, zp)
        o = s.GatherOptionsT()
        o.axis, o.batchDims = axis, batch_dims
        b.op(OP.GATHER, [x, ci], [y], BO.GatherOptions, o)
        return x, y

    return make


def m_mirror(shape, pads, mode):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        y = b.tensor([d + p0 + p1 for d, (p0, p1) in zip(shape, pads, strict=True)], INT8, sc, zp)
        o = s.MirrorPadOptionsT()
        o.mode = mode
        b.op(OP.MIRROR_PAD, [x, const_i32(b, pads)], [y], BO.MirrorPadOptions, o)
        return x, y

    return make


def m_broadcast_to(shape, oshape):
    def make(b: Builder):
        x = q(b, list(shape))
        sc, zp = qparams(b, x)
        y = b.tensor(list(oshape), INT8, sc, zp)
        b.op(OP.BROADCAST_TO, [x, const_i32(b, oshape)], [y], 0, None)
        return x, y

    return make


def m_fill_add(b: Builder):
    x = q(b, [2, 3, 4])
    sc, zp = qparams(b, x)
    f = b.tensor([2, 3, 4], INT8, sc, zp)
    b.op(
        OP.FILL,
        [const_i32(b, [2, 3, 4]), b.tensor([], INT8, sc, zp, np.array(-77, dtype=np.int8))],
        [f],
        BO.FillOptions,
        s.FillOptionsT(),
    )
    y = q(b, [2, 3, 4])
    o = s.AddOptionsT()
    b.op(OP.ADD, [x, f], [y], BO.AddOptions, o)
    return x, y


def m_zeros_like(b: Builder):
    x = q(b, [3, 5], zp=-128)
    y = b.tensor([3, 5], INT8, *qparams(b, x))
    b.op(OP.ZEROS_LIKE, [x], [y], BO.ZerosLikeOptions, s.ZerosLikeOptionsT())
    return x, y


def m_casts(in_type):
    """One input cast to every other supported type (several outputs)."""

    def make(b: Builder):
        x = q(b, [4, 6]) if in_type == INT8 else b.tensor([4, 6], in_type)
        outs = [t for t in (INT8, s.TensorType.INT16, INT32, s.TensorType.FLOAT32) if t != in_type]
        ys = [b.tensor([4, 6], t) for t in outs]
        for y in ys:
            b.op(OP.CAST, [x], [y], BO.CastOptions, s.CastOptionsT())
        return x, ys

    return make


def movement_cases() -> dict:
    c = {
        "mv_broadcast_to_rows": m_broadcast_to((1, 3), (4, 2, 3)),
        "mv_broadcast_to_mid": m_broadcast_to((2, 1, 4), (2, 3, 4)),
        "mv_fill_add": m_fill_add,
        "mv_zeros_like": m_zeros_like,
        "mv_cast_from_int8": m_casts(INT8),
        "mv_cast_from_int32": m_casts(INT32),
        "mv_gather_axis0": m_gather((10, 4), [[3, 0, 9], [9, 1, 1]], 0),
        "mv_gather_axis1": m_gather((2, 6, 3), [5, 0, 2, 2], 1),
        "mv_gather_axis_last": m_gather((3, 4, 5), [4, 0], -1),
        "mv_gather_batch_dims": m_gather((2, 5, 3), [[1, 4], [0, 0]], 1, batch_dims=1),
        "mv_mirror_reflect": m_mirror((1, 4, 5, 2), [[0, 0], [2, 3], [1, 4], [0, 0]], 0),
        "mv_mirror_symmetric": m_mirror((3, 4), [[3, 1], [0, 4]], 1),
        "mv_mirror_reflect_1d": m_mirror((6,), [[5, 2]], 0),
        # TFLM's pad value is uninitialized memory (see k_space.c): no padded cases
        "mv_s2b_4d": m_s2b((1, 4, 6, 3), [2, 3], [[0, 0], [0, 0]], in_q=(0.1, 17)),
        "mv_s2b_3d": m_s2b((2, 8, 4), [2], [[0, 0]], in_q=(0.1, -128)),
        "mv_b2s_4d": m_s2b((6, 3, 2, 3), [2, 3], [[1, 0], [0, 2]], to_batch=False),
        "mv_b2s_3d": m_s2b((4, 5, 2), [2], [[0, 3]], to_batch=False),
        "mv_depth_to_space": m_depth_space((1, 3, 2, 12), 2, True),
        "mv_space_to_depth": m_depth_space((2, 6, 4, 3), 2, False),
        "mv_concat_axis3": m_concat([(1, 3, 4, 2), (1, 3, 4, 5), (1, 3, 4, 1)], 3),
        "mv_concat_axis1_neg": m_concat([(2, 3, 4), (2, 1, 4)], -2),
        "mv_concat_axis0": m_concat([(2, 5), (3, 5), (1, 5), (2, 5)], 0),
        "mv_pack_axis0": m_pack((3, 4), 3, 0),
        "mv_pack_axis_last": m_pack((2, 5), 4, -1),
        "mv_unpack_axis1": m_unpack((2, 3, 4), 1),
        "mv_unpack_axis0": m_unpack((3, 5), 0),
        "mv_split_axis3": m_split((1, 2, 3, 6), 3, 3),
        "mv_split_axis_neg": m_split((4, 6), -2, 2),
        "mv_split_v": m_split_v((2, 9, 3), 1, [2, -1, 3]),
        "mv_split_v_last": m_split_v((2, 10), -1, [1, 4, 5]),
        "mv_pad_4d": m_pad((1, 4, 5, 3), [[0, 0], [1, 2], [2, 1], [0, 0]]),
        "mv_pad_2d_zp128": m_pad((3, 4), [[2, 0], [1, 3]], in_q=(0.05, -128)),
        "mv_padv2_4d": m_pad((1, 3, 3, 2), [[0, 0], [1, 1], [1, 1], [0, 1]], v2=-77),
        "mv_padv2_3d_127": m_pad((2, 3, 4), [[1, 0], [0, 2], [3, 1]], v2=127, in_q=(0.1, 127)),
        "mv_strided_slice_basic": m_strided_slice((1, 6, 7, 4), [0, 1, 0, 0], [1, 5, 7, 4], [1, 2, 3, 1]),
        "mv_strided_slice_neg": m_strided_slice((5, 8), [-1, -2], [-6, 0], [-1, -3]),
        "mv_strided_slice_masks": m_strided_slice(
            (3, 6, 5), [1, 2, 9], [2, 100, 1], [1, 1, -2], bm=4, em=2, sm=1
        ),
        "mv_strided_slice_shrink_last": m_strided_slice((2, 3, 4), [0, 0, -1], [2, 3, 0], [1, 1, 1], sm=4),
        "mv_slice_4d": m_slice((1, 5, 6, 3), [0, 1, 2, 1], [1, 3, -1, 2]),
        "mv_slice_2d": m_slice((7, 4), [2, 0], [4, 4]),
        "mv_transpose_nhwc_nchw": m_transpose((1, 4, 5, 3), (0, 3, 1, 2)),
        "mv_transpose_2d": m_transpose((6, 7), (1, 0)),
        "mv_transpose_5d": m_transpose((2, 3, 1, 4, 2), (4, 2, 0, 3, 1)),
        "multi_flatten_dynamic_batch": m_flatten_dynamic,
        "multi_two_inputs_two_outputs": m_two_in_two_out,
    }
    return c
