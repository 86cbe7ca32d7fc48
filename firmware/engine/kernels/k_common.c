#include "k_common.h"

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

uint16_t k_scratch(ld_ctx *c, uint32_t bytes)
{
    if (bytes > c->scratch) {
        c->scratch = bytes;
    }
    return (uint16_t)c->tensors.n; /* the slot after the last tensor */
}
