#include "k_common.h"

#include <string.h>

#include "../quant.h"

int k_chan_multipliers(ld_ctx *c, const op_view *ov, const tview *in, const tview *filter, const tview *out,
                       uint32_t n, k_chan_q *q)
{
    if (filter->scales.n != 1u && filter->scales.n != n) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "filter scale count matches neither 1 nor the channels");
    }
    int32_t *mult = ld_alloc(c, n * sizeof(int32_t));
    int8_t *shift = mult == NULL ? NULL : ld_alloc(c, n);
    if (shift == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    for (uint32_t i = 0; i < n; i++) {
        const float fs = ld_scale(c, filter, filter->scales.n == 1u ? 0u : i);
        if (!q_scale_ok(fs)) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "filter scale is not a positive number");
        }
        const double m = (double)in->scale * (double)fs / (double)out->scale;
        int s;
        int r = ld_multiplier(c, ov, m, &mult[i], &s);
        if (r != ENGINE_OK) {
            return r;
        }
        shift[i] = (int8_t)s;
    }
    q->mult = mult;
    q->shift = shift;
    return ENGINE_OK;
}

int k_opt_u8(ld_ctx *c, const op_view *ov, unsigned id, uint8_t def, uint8_t *v)
{
    *v = def;
    if (ov->has_opts && fb_u8(&c->fb, &ov->opts, id, def, v) != FB_OK) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "options out of bounds");
    }
    return ENGINE_OK;
}

int k_opt_i32(ld_ctx *c, const op_view *ov, unsigned id, int32_t def, int32_t *v)
{
    *v = def;
    if (ov->has_opts && fb_i32(&c->fb, &ov->opts, id, def, v) != FB_OK) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "options out of bounds");
    }
    return ENGINE_OK;
}

int k_opt_f32(ld_ctx *c, const op_view *ov, unsigned id, float def, float *v)
{
    *v = def;
    if (ov->has_opts && fb_f32(&c->fb, &ov->opts, id, def, v) != FB_OK) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "options out of bounds");
    }
    return ENGINE_OK;
}

int k_bias(ld_ctx *c, const op_view *ov, uint32_t n)
{
    if (ov->in[2] < 0) {
        return ENGINE_OK;
    }
    tview b;
    int r = ld_tensor(c, (uint32_t)ov->in[2], &b);
    if (r != ENGINE_OK || (r = ld_need_type(c, ov, &b, T_INT32)) != ENGINE_OK ||
        (r = ld_need_const(c, ov, &b)) != ENGINE_OK) {
        return r;
    }
    if (b.elems != n) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "bias size differs from the output channels");
    }
    return ENGINE_OK;
}

int k_weighted_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out, const char *missing)
{
    int r;
    if (ov->n_in < 2u || ov->in[0] < 0 || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, missing);
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->in[1], w)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK) {
        return r;
    }
    if ((r = ld_need_type(c, ov, in, T_INT8)) != ENGINE_OK || (r = ld_need_type(c, ov, w, T_INT8)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, out, T_INT8)) != ENGINE_OK || (r = ld_need_quant(c, ov, in)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, out)) != ENGINE_OK || (r = ld_need_const(c, ov, w)) != ENGINE_OK) {
        return r;
    }
    return ENGINE_OK;
}

int k_weighted_tensors16(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out, const char *missing)
{
    int r;
    if (ov->n_in < 2u || ov->in[0] < 0 || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, missing);
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], in)) != ENGINE_OK) {
        return r;
    }
    if (in->type != T_INT16) {
        return k_weighted_tensors(c, ov, in, w, out, missing);
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[1], w)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK) {
        return r;
    }
    if ((r = ld_need_type(c, ov, w, T_INT8)) != ENGINE_OK || (r = ld_need_type(c, ov, out, T_INT16)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, in)) != ENGINE_OK || (r = ld_need_quant(c, ov, out)) != ENGINE_OK ||
        (r = ld_need_const(c, ov, w)) != ENGINE_OK) {
        return r;
    }
    return ENGINE_OK;
}

int k_bias16(ld_ctx *c, const op_view *ov, uint32_t n, int qbt_id, uint8_t *acc64)
{
    *acc64 = 1;
    if (ov->in[2] < 0) {
        uint8_t qbt = 0;
        int r = qbt_id < 0 ? ENGINE_OK : k_opt_u8(c, ov, (unsigned)qbt_id, 0, &qbt);
        *acc64 = qbt != T_INT32;
        return r;
    }
    tview b;
    int r = ld_tensor(c, (uint32_t)ov->in[2], &b);
    if (r != ENGINE_OK || (r = ld_need_const(c, ov, &b)) != ENGINE_OK) {
        return r;
    }
    if (b.type != T_INT64 && (b.type != T_INT32 || qbt_id < 0)) {
        return ld_need_type(c, ov, &b, T_INT64);
    }
    if (b.elems != n) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "bias size differs from the output channels");
    }
    *acc64 = b.type == T_INT64;
    return ENGINE_OK;
}

uint16_t k_scratch(ld_ctx *c, uint32_t bytes)
{
    if (bytes > c->scratch) {
        c->scratch = bytes;
    }
    return (uint16_t)c->tensors.n; /* the slot after the last tensor */
}

void k_walk_copy(const k_walk *w, const uint8_t *src, uint8_t *dst)
{
    int32_t idx[ENGINE_MAX_DIMS] = {0};
    uint32_t n = 1;
    for (uint32_t k = 0; k < w->nd; k++) {
        n *= (uint32_t)w->count[k];
    }
    int32_t si = w->src_base, di = w->dst_base;
    const size_t es = w->esize;
    for (uint32_t i = 0; i < n; i++) {
        memcpy(dst + (size_t)di * es, src + (size_t)si * es, es);
        for (int k = (int)w->nd - 1; k >= 0; k--) {
            si += w->src_step[k];
            di += w->dst_step[k];
            if (++idx[k] < w->count[k]) {
                break;
            }
            si -= w->src_step[k] * w->count[k];
            di -= w->dst_step[k] * w->count[k];
            idx[k] = 0;
        }
    }
}

uint32_t k_strides(const int32_t *dims, uint32_t nd, int32_t *stride)
{
    int32_t s = 1;
    for (int k = (int)nd - 1; k >= 0; k--) {
        stride[k] = s;
        s *= dims[k];
    }
    return (uint32_t)s;
}

uint32_t k_esize(uint8_t type)
{
    switch (type) {
    case T_INT8:
        return 1u;
    case T_INT16:
        return 2u;
    case T_INT32:
    case T_FLOAT32:
        return 4u;
    case T_INT64:
        return 8u;
    default:
        return 0u;
    }
}

int k_walk_eval(const eng_op *op, uint8_t *const *tdata)
{
    k_walk_copy(op->params, tdata[op->in[0]], tdata[op->out]);
    return ENGINE_OK;
}

uint32_t k_elems(const int32_t *dims, uint32_t n)
{
    uint32_t e = 1;
    for (uint32_t k = 0; k < n; k++) {
        e *= (uint32_t)dims[k];
    }
    return e;
}
