/* SVDF, integer (TFLM's EvalIntegerSvdfReference): int8 input and feature
 * weights, int16 or int8 time weights and activation state (the same type),
 * int32 bias (optional), int8 output.
 *
 * Inputs: 0 input [batch, n_input], 1 weights_feature [n_filter, n_input],
 * 2 weights_time [n_filter, n_memory], 3 bias [n_unit] or absent,
 * 4 activation_state [batch, n_filter * n_memory], a variable tensor kept
 * in the arena between invocations (engine_reset_state() clears it).
 *
 * Per invocation: the whole state buffer moves one element towards the
 * front (as TFLM does: the last cell of each filter's row receives the
 * first cell of the next row, then is overwritten); the feature product of
 * each filter, rescaled by input*feature/state scales (formed in float, as
 * TFLM does, then widened to double) and saturated to the state type, lands
 * in the last cell of its row; the time product over the row, summed over
 * the rank, plus bias, is rescaled by state*time/output scales (float
 * product again) to int8. The fused activation is not applied on the
 * integer path (TFLM ignores it there too). */
#include <string.h>

#include "k_common.h"
#include "../quant.h"

/* With more than ENG_MAX_OP_INPUTS inputs (5 inputs) the loader always gives the
 * operator its full tensor list in op->xio. */

enum { SVDF_RANK = 0 };

typedef struct {
    uint32_t batch, n_input, n_filter, n_unit, n_memory, rank;
    uint8_t state_type; /* T_INT16 or T_INT8: the time weights and the state */
    int32_t in_zp, state_zp, out_zp;
    int32_t m1, m2;
    int s1, s2;
    uint16_t scratch;
} svdf_params;

static int32_t rd_state(const uint8_t *p, uint8_t type, uint32_t i)
{
    if (type == T_INT8) {
        return (int8_t)p[i];
    }
    int16_t v;
    memcpy(&v, p + 2u * i, sizeof v);
    return v;
}

static int svdf_eval(const eng_op *op, uint8_t *const *tdata)
{
    const svdf_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->xio[0]];
    const int8_t *wf = (const int8_t *)tdata[op->xio[1]];
    const uint8_t *wt = tdata[op->xio[2]];
    const uint16_t bt = op->xio[3];
    const int32_t *bias = bt == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[bt];
    uint8_t *state = tdata[op->xio[4]];
    int8_t *out = (int8_t *)tdata[eng_out(op, 0)];
    int32_t *scr = (int32_t *)(void *)tdata[p->scratch]; /* batch * n_filter */
    int32_t *acc = scr + p->batch * p->n_filter;         /* batch * n_unit */
    const uint32_t es = p->state_type == T_INT8 ? 1u : 2u;
    const uint32_t n_state = p->batch * p->n_filter * p->n_memory;
    const int32_t smin = p->state_type == T_INT8 ? -128 : -32768;
    const int32_t smax = p->state_type == T_INT8 ? 127 : 32767;

    memmove(state, state + es, (size_t)(n_state - 1u) * es);
    for (uint32_t b = 0; b < p->batch; b++) {
        const int8_t *x = in + b * p->n_input;
        for (uint32_t f = 0; f < p->n_filter; f++) {
            const int8_t *w = wf + f * p->n_input;
            k_acc_t dot = 0;
            for (uint32_t i = 0; i < p->n_input; i++) {
                dot = k_mac(dot, w[i], (int32_t)x[i] - p->in_zp);
            }
            /* saturate to the state type, then add its zero point without
             * a second clamp (TFLM: the int16 path assumes zp 0) */
            const int32_t v = k_clamp(q_mul((int32_t)dot, p->m1, p->s1), smin, smax) + p->state_zp;
            const uint32_t cell = (b * p->n_filter + f) * p->n_memory + p->n_memory - 1u;
            if (es == 1u) {
                state[cell] = (uint8_t)(int8_t)v;
            } else {
                const int16_t v16 = (int16_t)v;
                memcpy(state + 2u * cell, &v16, sizeof v16);
            }
        }
    }
    for (uint32_t b = 0; b < p->batch; b++) {
        for (uint32_t f = 0; f < p->n_filter; f++) {
            const uint32_t row = (b * p->n_filter + f) * p->n_memory;
            k_acc_t s = 0;
            for (uint32_t j = 0; j < p->n_memory; j++) {
                /* int16 x (int16 - zp) may reach 2^31: form it in 64 bits,
                 * accumulate modulo 2^32 like TFLM's int32 sum */
                const int64_t prod = (int64_t)rd_state(wt, p->state_type, f * p->n_memory + j) *
                                     (int64_t)(rd_state(state, p->state_type, row + j) - p->state_zp);
                s += (uint32_t)prod;
            }
            scr[b * p->n_filter + f] = (int32_t)s;
        }
    }
    for (uint32_t b = 0; b < p->batch; b++) {
        for (uint32_t u = 0; u < p->n_unit; u++) {
            k_acc_t s = bias != NULL ? (uint32_t)bias[u] : 0u;
            for (uint32_t r = 0; r < p->rank; r++) {
                s += (uint32_t)scr[b * p->n_filter + u * p->rank + r];
            }
            acc[b * p->n_unit + u] = (int32_t)s;
        }
    }
    for (uint32_t i = 0; i < p->batch * p->n_unit; i++) {
        out[i] = (int8_t)k_clamp(q_mul(acc[i], p->m2, p->s2) + p->out_zp, -128, 127);
    }
    return ENGINE_OK;
}

int k_prep_svdf(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, wf, wt, bias, st, out;
    int r;
    int32_t rank = 0;
    if (ov->n_in != 5u || ld_op_in(c, ov, 0) < 0 || ld_op_in(c, ov, 1) < 0 || ld_op_in(c, ov, 2) < 0 ||
        ld_op_in(c, ov, 4) < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs input, feature and time weights, and a state");
    }
    if ((r = ld_tensor(c, (uint32_t)ld_op_in(c, ov, 0), &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ld_op_in(c, ov, 1), &wf)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ld_op_in(c, ov, 2), &wt)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ld_op_in(c, ov, 4), &st)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK || (r = k_opt_i32(c, ov, SVDF_RANK, 0, &rank)) != ENGINE_OK) {
        return r;
    }
    if (in.type != T_INT8) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "only the integer SVDF (int8 input) is supported");
    }
    if ((r = ld_need_type(c, ov, &wf, T_INT8)) != ENGINE_OK || (r = ld_need_type(c, ov, &out, T_INT8)) != ENGINE_OK ||
        (r = ld_need_const(c, ov, &wf)) != ENGINE_OK || (r = ld_need_const(c, ov, &wt)) != ENGINE_OK ||
        (r = ld_need_var(c, ov, &st)) != ENGINE_OK || (r = ld_need_quant(c, ov, &in)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, &out)) != ENGINE_OK) {
        return r;
    }
    if ((wt.type != T_INT16 && wt.type != T_INT8) || st.type != wt.type) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "time weights and state must both be int16 or both int8");
    }
    if (in.ndims != 2u || wf.ndims != 2u || wt.ndims != 2u || st.ndims != 2u || out.ndims != 2u || rank < 1 ||
        wf.dims[0] % rank != 0 || wf.dims[1] != in.dims[1] || wt.dims[0] != wf.dims[0] ||
        st.dims[0] != in.dims[0] || (int64_t)st.dims[1] != (int64_t)wt.dims[0] * wt.dims[1] ||
        out.dims[0] != in.dims[0] || out.dims[1] != wf.dims[0] / rank) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "tensor shapes do not match an SVDF");
    }
    if (wf.scales.n < 1u || wt.scales.n < 1u || st.scales.n < 1u || !q_scale_ok(wf.scale) || !q_scale_ok(wt.scale) ||
        !q_scale_ok(st.scale)) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "weights and state need a positive scale");
    }
    const uint32_t n_unit = (uint32_t)(wf.dims[0] / rank);
    if (ld_op_in(c, ov, 3) >= 0) {
        if ((r = ld_tensor(c, (uint32_t)ld_op_in(c, ov, 3), &bias)) != ENGINE_OK ||
            (r = ld_need_type(c, ov, &bias, T_INT32)) != ENGINE_OK || (r = ld_need_const(c, ov, &bias)) != ENGINE_OK) {
            return r;
        }
        if (bias.elems != n_unit) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "bias size differs from the units");
        }
    }
    svdf_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->batch = (uint32_t)in.dims[0];
    p->n_input = (uint32_t)in.dims[1];
    p->n_filter = (uint32_t)wf.dims[0];
    p->n_memory = (uint32_t)wt.dims[1];
    p->rank = (uint32_t)rank;
    p->n_unit = n_unit;
    p->state_type = st.type;
    p->in_zp = in.zero_point;
    p->state_zp = st.zero_point;
    p->out_zp = out.zero_point;
    /* TFLM multiplies the float scales in single precision, then widens */
    const float e1 = in.scale * wf.scale / st.scale;
    const float e2 = st.scale * wt.scale / out.scale;
    if ((r = ld_multiplier(c, ov, (double)e1, &p->m1, &p->s1)) != ENGINE_OK ||
        (r = ld_multiplier(c, ov, (double)e2, &p->m2, &p->s2)) != ENGINE_OK) {
        return r;
    }
    const uint64_t scr = ((uint64_t)p->batch * p->n_filter + (uint64_t)p->batch * n_unit) * 4u;
    if (scr > 0x7FFFFFFFu) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "scratch exceeds 2 GiB");
    }
    p->scratch = k_scratch(c, (uint32_t)scr);
    op->eval = svdf_eval;
    op->params = p;
    return ENGINE_OK;
}
