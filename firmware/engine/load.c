/* Loader helpers: arena bump allocation, validated tensor views, and the
 * operator-level checks the kernels' prepare functions share. */
#include <string.h>

#include "engine_int.h"
#include "msg.h"
#include "op_names.h"
#include "quant.h"

/* TFLite schema field ids. */
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_QUANT = 4, TENSOR_IS_VARIABLE = 5,
       TENSOR_SPARSITY = 6 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DETAILS_TYPE = 4, QUANT_DIM = 6 };
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };

void *ld_alloc(ld_ctx *c, size_t bytes)
{
    uintptr_t base = (uintptr_t)c->arena;
    size_t start = (size_t)(((base + c->lo + 7u) & ~(uintptr_t)7u) - base);
    if (start > c->hi || bytes > c->hi - start) {
        eng_fail(c->err, ENGINE_ARENA_TOO_SMALL, "arena too small: %u bytes are not enough for the model's metadata",
                 (unsigned)c->arena_size);
        return NULL;
    }
    c->lo = start + bytes;
    if (c->lo + (c->arena_size - c->hi) > c->peak) {
        c->peak = c->lo + (c->arena_size - c->hi);
    }
    memset(c->arena + start, 0, bytes);
    return c->arena + start;
}

static uint32_t type_size(uint8_t type)
{
    switch (type) {
    case T_INT64:
        return 8u;
    case T_FLOAT32:
    case T_INT32:
        return 4u;
    case T_INT16:
        return 2u;
    case T_INT8:
        return 1u;
    default:
        return 0u;
    }
}

static int bad_tensor(ld_ctx *c, uint32_t idx, const char *what)
{
    return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: %s", (unsigned)idx, what);
}

static int tensor_shape(ld_ctx *c, const fb_table *t, tview *tv)
{
    fb_vec shape;
    if (fb_vector(&c->fb, t, TENSOR_SHAPE, 4u, &shape) == FB_BAD) {
        return bad_tensor(c, tv->index, "shape vector out of bounds");
    }
    if (shape.n > ENGINE_MAX_DIMS) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "tensor %u: %u dimensions (max %u)", (unsigned)tv->index,
                        (unsigned)shape.n, (unsigned)ENGINE_MAX_DIMS);
    }
    const uint32_t esize = type_size(tv->type);
    uint64_t elems = 1;
    tv->ndims = (uint8_t)shape.n;
    for (uint32_t i = 0; i < shape.n; i++) {
        int32_t d = fb_rd_i32(&c->fb, shape.pos + 4u * i);
        /* 0 is allowed here: converters leave empty placeholder tensors
         * (an LSTM's "intermediate" tensors) that no operator reads; the
         * engine refuses an empty tensor only where it is used (engine.c). */
        if (d < 0) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: dimension %u is %d", (unsigned)tv->index,
                            (unsigned)i, (int)d);
        }
        tv->dims[i] = d;
        elems *= (uint64_t)d;
        if (elems * esize > 0x7FFFFFFFu) {
            return bad_tensor(c, tv->index, "size exceeds 2 GiB");
        }
    }
    tv->elems = (uint32_t)elems;
    tv->bytes = (uint32_t)(elems * esize);
    return ENGINE_OK;
}

static int tensor_buffer(ld_ctx *c, const fb_table *t, tview *tv)
{
    uint32_t bidx;
    fb_table buf;
    fb_vec data;
    if (fb_u32(&c->fb, t, TENSOR_BUFFER, 0, &bidx) != FB_OK) {
        return bad_tensor(c, tv->index, "buffer field out of bounds");
    }
    if (bidx >= c->buffers.n) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: buffer %u out of range (model has %u buffers)",
                        (unsigned)tv->index, (unsigned)bidx, (unsigned)c->buffers.n);
    }
    if (fb_vec_table(&c->fb, &c->buffers, bidx, &buf) != FB_OK ||
        fb_vector(&c->fb, &buf, BUFFER_DATA, 1u, &data) == FB_BAD) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: buffer %u is malformed", (unsigned)tv->index,
                        (unsigned)bidx);
    }
    uint64_t off = 0;
    uint64_t size = 0;
    if (fb_u64(&c->fb, &buf, BUFFER_OFFSET, 0, &off) != FB_OK || fb_u64(&c->fb, &buf, BUFFER_SIZE, 0, &size) != FB_OK) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: buffer %u is malformed", (unsigned)tv->index,
                        (unsigned)bidx);
    }
    const uint8_t *p = NULL;
    uint64_t n = 0;
    if (data.n > 0u) {
        p = c->fb.p + data.pos;
        n = data.n;
    } else if (off > 1u) { /* data stored after the flatbuffer (large models) */
        if (size > c->fb.len || off > c->fb.len - size) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: buffer %u data outside the model",
                            (unsigned)tv->index, (unsigned)bidx);
        }
        p = c->fb.p + off;
        n = size;
    }
    if (p == NULL) {
        return ENGINE_OK;
    }
    if (n != tv->bytes) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: buffer %u holds %u bytes, shape needs %u",
                        (unsigned)tv->index, (unsigned)bidx, (unsigned)n, (unsigned)tv->bytes);
    }
    /* int64 (16x8 biases) needs only 4: converters place those buffers at
     * 4-byte boundaries, and the kernels read them with k_i64() */
    const uint32_t align = type_size(tv->type) > 4u ? 4u : type_size(tv->type);
    if (align > 1u && ((uintptr_t)p & (align - 1u)) != 0u) {
        return bad_tensor(c, tv->index, "constant data is not aligned to its element size");
    }
    tv->data = p;
    tv->is_const = 1;
    return ENGINE_OK;
}

static int tensor_quant(ld_ctx *c, const fb_table *t, tview *tv)
{
    fb_table q;
    int r = fb_subtable(&c->fb, t, TENSOR_QUANT, &q);
    if (r == FB_ABSENT) {
        return ENGINE_OK;
    }
    uint8_t details = 0;
    if (r != FB_OK || fb_vector(&c->fb, &q, QUANT_SCALE, 4u, &tv->scales) == FB_BAD ||
        fb_vector(&c->fb, &q, QUANT_ZERO_POINT, 8u, &tv->zero_points) == FB_BAD ||
        fb_u8(&c->fb, &q, QUANT_DETAILS_TYPE, 0, &details) != FB_OK ||
        fb_i32(&c->fb, &q, QUANT_DIM, 0, &tv->quant_dim) != FB_OK) {
        return bad_tensor(c, tv->index, "quantization parameters out of bounds");
    }
    if (details != 0u) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "tensor %u: custom quantization details", (unsigned)tv->index);
    }
    if (tv->zero_points.n != 0u && tv->zero_points.n != tv->scales.n) {
        return bad_tensor(c, tv->index, "zero_point count differs from scale count");
    }
    for (uint32_t i = 0; i < tv->zero_points.n; i++) {
        int64_t zp = fb_rd_i64(&c->fb, tv->zero_points.pos + 8u * i);
        if (zp < -32768 || zp > 32767) {
            return bad_tensor(c, tv->index, "zero point out of range");
        }
    }
    if (tv->scales.n > 0u) {
        tv->scale = fb_rd_f32(&c->fb, tv->scales.pos);
    }
    if (tv->zero_points.n > 0u) {
        tv->zero_point = (int32_t)fb_rd_i64(&c->fb, tv->zero_points.pos);
    }
    return ENGINE_OK;
}

int ld_tensor(ld_ctx *c, uint32_t idx, tview *tv)
{
    fb_table t;
    memset(tv, 0, sizeof *tv);
    tv->index = idx;
    if (idx >= c->tensors.n) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u out of range (subgraph has %u tensors)",
                        (unsigned)idx, (unsigned)c->tensors.n);
    }
    if (fb_vec_table(&c->fb, &c->tensors, idx, &t) != FB_OK) {
        return bad_tensor(c, idx, "table out of bounds");
    }
    uint8_t is_var = 0;
    fb_table sparsity;
    if (fb_u8(&c->fb, &t, TENSOR_TYPE, 0, &tv->type) != FB_OK ||
        fb_u8(&c->fb, &t, TENSOR_IS_VARIABLE, 0, &is_var) != FB_OK) {
        return bad_tensor(c, idx, "fields out of bounds");
    }
    if (type_size(tv->type) == 0u) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "tensor %u: unsupported type %s (%u)", (unsigned)idx,
                        eng_type_name(tv->type), (unsigned)tv->type);
    }
    int r = fb_subtable(&c->fb, &t, TENSOR_SPARSITY, &sparsity);
    if (r != FB_ABSENT) {
        return r == FB_BAD ? bad_tensor(c, idx, "sparsity out of bounds")
                           : eng_fail(c->err, ENGINE_UNSUPPORTED, "tensor %u: sparse tensors are not supported",
                                      (unsigned)idx);
    }
    if ((r = tensor_shape(c, &t, tv)) != ENGINE_OK || (r = tensor_buffer(c, &t, tv)) != ENGINE_OK) {
        return r;
    }
    if (is_var != 0u) {
        /* A variable tensor's buffer (if any) is not its value: TFLM gives
         * it a persistent arena buffer and fills it at reset (see
         * engine.c, engine_reset_state). */
        tv->is_var = 1;
        tv->is_const = 0;
        tv->data = NULL;
    }
    return tensor_quant(c, &t, tv);
}

float ld_scale(const ld_ctx *c, const tview *t, uint32_t i)
{
    return i < t->scales.n ? fb_rd_f32(&c->fb, t->scales.pos + 4u * i) : 0.0f;
}

int ld_fail_op(ld_ctx *c, const op_view *ov, int status, const char *what)
{
    return eng_fail(c->err, status, "operator %u (%s): %s", (unsigned)ov->index, ov->name, what);
}

int ld_need_type(ld_ctx *c, const op_view *ov, const tview *t, uint8_t type)
{
    if (t->type == type) {
        return ENGINE_OK;
    }
    return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u (%s): tensor %u has type %s, expected %s",
                    (unsigned)ov->index, ov->name, (unsigned)t->index, eng_type_name(t->type), eng_type_name(type));
}

int ld_need_quant(ld_ctx *c, const op_view *ov, const tview *t)
{
    int32_t lo = t->type == T_INT8 ? -128 : -32768;
    int32_t hi = t->type == T_INT8 ? 127 : 32767;
    if (t->scales.n != 1u || !q_scale_ok(t->scale) || t->zero_point < lo || t->zero_point > hi) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID,
                        "operator %u (%s): tensor %u needs one positive scale and an in-range zero point",
                        (unsigned)ov->index, ov->name, (unsigned)t->index);
    }
    return ENGINE_OK;
}

int ld_need_var(ld_ctx *c, const op_view *ov, const tview *t)
{
    if (t->is_var) {
        return ENGINE_OK;
    }
    return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u (%s): tensor %u must be a variable (state) tensor",
                    (unsigned)ov->index, ov->name, (unsigned)t->index);
}

int ld_need_const(ld_ctx *c, const op_view *ov, const tview *t)
{
    if (t->is_const) {
        return ENGINE_OK;
    }
    return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u (%s): tensor %u must be constant", (unsigned)ov->index,
                    ov->name, (unsigned)t->index);
}

int ld_act_range(ld_ctx *c, const op_view *ov, uint8_t act, const tview *out, int32_t *lo, int32_t *hi)
{
    int32_t qmin = out->type == T_INT8 ? -128 : -32768;
    int32_t qmax = out->type == T_INT8 ? 127 : 32767;
    if (q_activation_range(act, out->scale, out->zero_point, qmin, qmax, lo, hi) != 0) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u (%s): unsupported fused activation %u",
                        (unsigned)ov->index, ov->name, (unsigned)act);
    }
    return ENGINE_OK;
}

int ld_multiplier(ld_ctx *c, const op_view *ov, double m, int32_t *qm, int *shift)
{
    if (q_quantize_multiplier(m, qm, shift) != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "rescale factor out of range");
    }
    return ENGINE_OK;
}

int32_t ld_out_size(uint8_t padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation, int32_t *pad)
{
    if (stride < 1 || dilation < 1 || filter < 1 || in < 1 || stride > 0xFFFF || dilation > 0xFFFF ||
        filter > 0xFFFF) {
        return -1;
    }
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    int64_t out;
    if (padding == 0) {
        out = ((int64_t)in + stride - 1) / stride;
    } else if (padding == 1) {
        out = ((int64_t)in + stride - eff) / stride;
    } else {
        return -1;
    }
    if (out < 1) {
        return -1;
    }
    int64_t total = (out - 1) * stride + eff - in;
    *pad = (int32_t)(total > 0 ? total / 2 : 0);
    return (int32_t)out;
}
