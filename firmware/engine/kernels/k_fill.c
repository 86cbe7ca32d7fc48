/* Tensor creation and conversion: FILL, ZEROS_LIKE, BROADCAST_TO, CAST.
 *
 * FILL writes its scalar value (same type as the output, copied as is),
 * ZEROS_LIKE raw zeros (not the zero point: TFLM writes 0 too),
 * BROADCAST_TO is a k_walk with stride 0 along broadcast axes.
 * CAST is C's conversion between int8, int16, int32 and float32, as TFLM's
 * static_cast: integer narrowing wraps modulo 2^n, int to float rounds to
 * nearest. float to integer is refused: out-of-range values are undefined
 * behaviour in C and C++ alike, so no result could be promised equal. */
#include <string.h>

#include "k_common.h"

typedef struct {
    uint32_t n;
    uint8_t esize;
    uint8_t value[8];
} fill_params;

static int fill_eval(const eng_op *op, uint8_t *const *tdata)
{
    const fill_params *p = op->params;
    uint8_t *out = tdata[op->out];
    for (uint32_t i = 0; i < p->n; i++) {
        memcpy(out + (size_t)i * p->esize, p->value, p->esize);
    }
    return ENGINE_OK;
}

int k_prep_fill(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview out, v;
    int r;
    const int zeros = ov->code == OP_ZEROS_LIKE;
    const int32_t vi = zeros ? -1 : ov->in[1];
    if ((r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    if (k_esize(out.type) == 0u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "output type not supported");
    }
    fill_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = out.elems;
    p->esize = (uint8_t)k_esize(out.type);
    if (!zeros) {
        /* FILL: a constant value (a computed one would need run-time reads) */
        if (vi < 0 || (r = ld_tensor(c, (uint32_t)vi, &v)) != ENGINE_OK || (r = ld_need_type(c, ov, &v, out.type)) != ENGINE_OK ||
            (r = ld_need_const(c, ov, &v)) != ENGINE_OK) {
            return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs dims and value");
        }
        if (v.elems != 1u) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "value must be a scalar");
        }
        memcpy(p->value, v.data, p->esize);
    }
    op->in[0] = op->in[1] = ENG_NO_TENSOR; /* nothing is read at run time */
    op->eval = fill_eval;
    op->params = p;
    return ENGINE_OK;
}

int k_prep_broadcast_to(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    k_walk *w = ld_alloc(c, sizeof *w);
    if (w == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    w->nd = ENGINE_MAX_DIMS;
    w->esize = (uint8_t)k_esize(in.type);
    const uint32_t lead = ENGINE_MAX_DIMS - (uint32_t)out.ndims;
    for (uint32_t i = 0; i < ENGINE_MAX_DIMS; i++) {
        w->count[i] = i < lead ? 1 : out.dims[i - lead];
    }
    if (in.ndims > out.ndims || k_broadcast_strides(&in, w->count, w->src_step) != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input does not broadcast to the output shape");
    }
    k_strides(w->count, ENGINE_MAX_DIMS, w->dst_step);
    op->in[1] = ENG_NO_TENSOR;
    op->eval = k_walk_eval;
    op->params = w;
    return ENGINE_OK;
}

typedef struct {
    uint32_t n;
    uint8_t from, to;
} cast_params;

static int32_t load_int(const uint8_t *p, uint8_t type, uint32_t i)
{
    switch (type) {
    case T_INT8:
        return ((const int8_t *)(const void *)p)[i];
    case T_INT16:
        return ((const int16_t *)(const void *)p)[i];
    default:
        return ((const int32_t *)(const void *)p)[i];
    }
}

static int cast_eval(const eng_op *op, uint8_t *const *tdata)
{
    const cast_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    uint8_t *out = tdata[op->out];
    for (uint32_t i = 0; i < p->n; i++) {
        const int32_t v = load_int(in, p->from, i);
        switch (p->to) {
        case T_INT8:
            ((int8_t *)(void *)out)[i] = (int8_t)v; /* modulo 2^8 (GCC, Clang) */
            break;
        case T_INT16:
            ((int16_t *)(void *)out)[i] = (int16_t)v;
            break;
        case T_INT32:
            ((int32_t *)(void *)out)[i] = v;
            break;
        default:
            ((float *)(void *)out)[i] = (float)v;
            break;
        }
    }
    return ENGINE_OK;
}

int k_prep_cast(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    const int in_ok = in.type == T_INT8 || in.type == T_INT16 || in.type == T_INT32;
    const int out_ok = out.type == T_INT8 || out.type == T_INT16 || out.type == T_INT32 || out.type == T_FLOAT32;
    if (!in_ok || !out_ok || in.elems != out.elems) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "casts from int8/int16/int32 to int8/int16/int32/float32 only");
    }
    cast_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = out.elems;
    p->from = in.type;
    p->to = out.type;
    op->eval = cast_eval;
    op->params = p;
    return ENGINE_OK;
}
