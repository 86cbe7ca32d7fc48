/* Binary element-wise int8 ops with NumPy broadcasting (up to 6-D):
 * MUL, SUB, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, PRELU.
 *
 *   MUL      zp_out + MBQM((a - zp_a) * (b - zp_b), s_a * s_b / s_out),
 *            clamped to the fused activation range (multiplier in double)
 *   SUB      ADD's scheme with a difference: both inputs shifted left 20 bits
 *            and brought to 2 * max(s_a, s_b); TFLM forms these three
 *            multipliers from float (not double) quotients
 *   SQUARED_DIFFERENCE  inputs shifted left 7 bits, rescaled to
 *            2 * max(s_a, s_b), the int32 difference squared, then
 *            multiplied by (2 max)^2 / (2^14 s_out); clamped to int8
 *   MAXIMUM, MINIMUM    raw comparison, no rescaling (as TFLM)
 *   PRELU    x >= zp_a: zp_out + MBQM(x - zp_a, s_a / s_out); below:
 *            zp_out + MBQM((x - zp_a)(alpha - zp_b), s_a s_b / s_out)
 * MBQM is MultiplyByQuantizedMultiplier. MUL and SUB also run 16x8 (int16
 * inputs and output): MUL the same formula (TFLM requires zero points 0),
 * SUB with 15 bits of headroom instead of 20 ((x - zp) << 15 fits int32). */
#include "k_common.h"
#include "../quant.h"

enum { ARITH_ACT = 0 };
#define SUB_LEFT_SHIFT 20
#define SQD_LEFT_SHIFT 7

typedef struct {
    int32_t out_dims[ENGINE_MAX_DIMS];
    int32_t sa[ENGINE_MAX_DIMS], sb[ENGINE_MAX_DIMS]; /* element strides, 0 where broadcast */
    uint8_t kind;
    uint8_t wide;   /* int16 tensors */
    uint8_t lshift; /* SUB's headroom */
    int32_t off_a, off_b, zp_out;
    int32_t ma, mb, m_out;
    int s_a, s_b, s_out;
    int32_t lo, hi;
} ew_params;

static int32_t ew_one(const ew_params *p, int32_t a, int32_t b)
{
    switch (p->kind) {
    case OP_MAXIMUM:
        return a > b ? a : b;
    case OP_MINIMUM:
        return a < b ? a : b;
    case OP_PRELU: {
        const int32_t v = a + p->off_a;
        const int32_t r = v >= 0 ? q_mul(v, p->ma, p->s_a) : q_mul(v * (b + p->off_b), p->m_out, p->s_out);
        return k_clamp(r + p->zp_out, -128, 127);
    }
    case OP_MUL:
        return k_clamp(p->zp_out + q_mul((a + p->off_a) * (b + p->off_b), p->m_out, p->s_out), p->lo, p->hi);
    case OP_SUB: {
        const int32_t x = q_mul((a + p->off_a) * (1 << p->lshift), p->ma, p->s_a);
        const int32_t y = q_mul((b + p->off_b) * (1 << p->lshift), p->mb, p->s_b);
        return k_clamp(q_mul(x - y, p->m_out, p->s_out) + p->zp_out, p->lo, p->hi);
    }
    default: { /* SQUARED_DIFFERENCE: |diff| < 2^15, the square fits int32 */
        const int32_t x = q_mul((a + p->off_a) * (1 << SQD_LEFT_SHIFT), p->ma, p->s_a);
        const int32_t y = q_mul((b + p->off_b) * (1 << SQD_LEFT_SHIFT), p->mb, p->s_b);
        return k_clamp(q_mul((x - y) * (x - y), p->m_out, p->s_out) + p->zp_out, p->lo, p->hi);
    }
    }
}

static int ew_eval(const eng_op *op, uint8_t *const *tdata)
{
    const ew_params *p = op->params;
    const int8_t *a = (const int8_t *)tdata[op->in[0]];
    const int8_t *b = (const int8_t *)tdata[op->in[1]];
    int8_t *out = (int8_t *)tdata[op->out];
    const int16_t *a16 = (const int16_t *)(const void *)a, *b16 = (const int16_t *)(const void *)b;
    int16_t *out16 = (int16_t *)(void *)out;
    int32_t idx[ENGINE_MAX_DIMS] = {0};
    uint32_t ia = 0, ib = 0;
    const int32_t *d = p->out_dims;
    const uint32_t n = (uint32_t)(d[0] * d[1] * d[2] * d[3] * d[4] * d[5]);
    for (uint32_t i = 0; i < n; i++) {
        if (p->wide) {
            out16[i] = (int16_t)ew_one(p, a16[ia], b16[ib]);
        } else {
            out[i] = (int8_t)ew_one(p, a[ia], b[ib]);
        }
        /* odometer over the output index, moving both input offsets */
        for (int k = ENGINE_MAX_DIMS - 1; k >= 0; k--) {
            ia += (uint32_t)p->sa[k];
            ib += (uint32_t)p->sb[k];
            if (++idx[k] < d[k]) {
                break;
            }
            ia -= (uint32_t)(p->sa[k] * d[k]);
            ib -= (uint32_t)(p->sb[k] * d[k]);
            idx[k] = 0;
        }
    }
    return ENGINE_OK;
}

int k_broadcast_strides(const tview *t, const int32_t out[ENGINE_MAX_DIMS], int32_t stride[ENGINE_MAX_DIMS])
{
    int32_t dims[ENGINE_MAX_DIMS];
    for (uint32_t i = 0; i < ENGINE_MAX_DIMS; i++) {
        dims[i] = 1;
    }
    for (uint32_t i = 0; i < t->ndims; i++) {
        dims[ENGINE_MAX_DIMS - t->ndims + i] = t->dims[i];
    }
    int32_t s = 1;
    for (int i = ENGINE_MAX_DIMS - 1; i >= 0; i--) {
        if (dims[i] != out[i] && dims[i] != 1) {
            return -1;
        }
        stride[i] = dims[i] == 1 ? 0 : s;
        s *= dims[i];
    }
    return 0;
}

static int ew_multipliers(ld_ctx *c, const op_view *ov, const tview *a, const tview *b, const tview *out, ew_params *p)
{
    int r = ENGINE_OK;
    p->off_a = -a->zero_point;
    p->off_b = -b->zero_point;
    p->zp_out = out->zero_point;
    if (ov->code == OP_PRELU) {
        if ((r = ld_multiplier(c, ov, (double)a->scale / (double)out->scale, &p->ma, &p->s_a)) != ENGINE_OK) {
            return r;
        }
        return ld_multiplier(c, ov, (double)a->scale * (double)b->scale / (double)out->scale, &p->m_out, &p->s_out);
    }
    if (ov->code == OP_MUL) {
        return ld_multiplier(c, ov, (double)a->scale * (double)b->scale / (double)out->scale, &p->m_out, &p->s_out);
    }
    if (ov->code == OP_SUB && p->wide) {
        /* 16x8: the tflite_micro package forms these quotients in double
         * (float ones are off by one LSB on about 1 in 2000 outputs) */
        const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
        const double m_out = twice_max / ((double)(1 << p->lshift) * (double)out->scale);
        if ((r = ld_multiplier(c, ov, (double)a->scale / twice_max, &p->ma, &p->s_a)) == ENGINE_OK &&
            (r = ld_multiplier(c, ov, (double)b->scale / twice_max, &p->mb, &p->s_b)) == ENGINE_OK) {
            r = ld_multiplier(c, ov, m_out, &p->m_out, &p->s_out);
        }
    } else if (ov->code == OP_SUB) {
        const float twice_max = 2.0f * (a->scale > b->scale ? a->scale : b->scale);
        const float m_out = twice_max / ((float)(1 << p->lshift) * out->scale);
        if ((r = ld_multiplier(c, ov, (double)(a->scale / twice_max), &p->ma, &p->s_a)) == ENGINE_OK &&
            (r = ld_multiplier(c, ov, (double)(b->scale / twice_max), &p->mb, &p->s_b)) == ENGINE_OK) {
            r = ld_multiplier(c, ov, (double)m_out, &p->m_out, &p->s_out);
        }
    } else {
        const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
        const double m_out = twice_max * twice_max / ((double)(1 << (2 * SQD_LEFT_SHIFT)) * (double)out->scale);
        if ((r = ld_multiplier(c, ov, (double)a->scale / twice_max, &p->ma, &p->s_a)) == ENGINE_OK &&
            (r = ld_multiplier(c, ov, (double)b->scale / twice_max, &p->mb, &p->s_b)) == ENGINE_OK) {
            r = ld_multiplier(c, ov, m_out, &p->m_out, &p->s_out);
        }
    }
    if (r == ENGINE_OK && (p->s_a > 0 || p->s_b > 0 || (ov->code == OP_SUB && p->s_out > 0))) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "rescale factor above 1 (TFLM requires below 1)");
    }
    return r;
}

static int ew_tensors(ld_ctx *c, const op_view *ov, tview *a, tview *b, tview *out)
{
    int r;
    if (ov->n_in != 2u || ov->in[0] < 0 || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs two inputs");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], a)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->in[1], b)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK) {
        return r;
    }
    const uint8_t t = a->type == T_INT16 && (ov->code == OP_MUL || ov->code == OP_SUB) ? T_INT16 : T_INT8;
    if ((r = ld_need_type(c, ov, a, t)) != ENGINE_OK || (r = ld_need_type(c, ov, b, t)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, out, t)) != ENGINE_OK) {
        return r;
    }
    if (t == T_INT16 && ov->code == OP_MUL && (a->zero_point != 0 || b->zero_point != 0 || out->zero_point != 0)) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "16x8 MUL needs zero points 0 (as TFLM)");
    }
    if (ov->code == OP_MAXIMUM || ov->code == OP_MINIMUM) {
        return ENGINE_OK;
    }
    if ((r = ld_need_quant(c, ov, a)) != ENGINE_OK || (r = ld_need_quant(c, ov, b)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, out)) != ENGINE_OK) {
        return r;
    }
    return ENGINE_OK;
}

int k_prep_elementwise(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview a, b, out;
    uint8_t act = 0;
    int r = ew_tensors(c, ov, &a, &b, &out);
    if (r != ENGINE_OK) {
        return r;
    }
    ew_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->kind = (uint8_t)ov->code;
    p->wide = out.type == T_INT16;
    p->lshift = (uint8_t)(p->wide ? 15 : SUB_LEFT_SHIFT);
    const uint32_t lead = ENGINE_MAX_DIMS - (uint32_t)out.ndims;
    for (uint32_t i = 0; i < ENGINE_MAX_DIMS; i++) {
        p->out_dims[i] = i < lead ? 1 : out.dims[i - lead];
    }
    if (k_broadcast_strides(&a, p->out_dims, p->sa) != 0 || k_broadcast_strides(&b, p->out_dims, p->sb) != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input shapes do not broadcast to the output shape");
    }
    p->lo = -128;
    p->hi = 127;
    if (ov->code == OP_MUL || ov->code == OP_SUB) {
        if ((r = k_opt_u8(c, ov, ARITH_ACT, 0, &act)) != ENGINE_OK ||
            (r = ld_act_range(c, ov, act, &out, &p->lo, &p->hi)) != ENGINE_OK) {
            return r;
        }
    }
    if (ov->code != OP_MAXIMUM && ov->code != OP_MINIMUM && (r = ew_multipliers(c, ov, &a, &b, &out, p)) != ENGINE_OK) {
        return r;
    }
    op->eval = ew_eval;
    op->params = p;
    return ENGINE_OK;
}
