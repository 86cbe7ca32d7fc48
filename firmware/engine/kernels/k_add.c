/* ADD, int8, with NumPy-style broadcasting over up to 4 dimensions.
 *
 * TFLM's int8 ADD brings both inputs to a common scale before summing:
 * each (x - zp) is shifted left by 20 bits for headroom and multiplied by
 * scale_i / (2 * max(scale_1, scale_2)) (< 1), the two are added, and the
 * sum is multiplied by 2 * max_scale / (2^20 * output_scale). All three
 * factors are quantized multipliers with shift <= 0. 16x8 (int16 inputs
 * and output) is the same arithmetic with 15 bits of headroom instead of 20
 * (TFLM's general-scale int16 path; the micro kernel never takes the
 * power-of-two shortcut). */
#include "k_common.h"
#include "../quant.h"

enum { ADD_ACT = 0 };
#define ADD_LEFT_SHIFT 20

typedef struct {
    int32_t out_dims[4];
    int32_t stride1[4], stride2[4]; /* element strides, 0 where broadcast */
    uint32_t n;
    uint8_t broadcast;
    uint8_t lshift; /* headroom: 20 bits (int8), 15 (int16) */
    int32_t off1, off2, out_offset;
    int32_t m1, m2, m_out;
    int s1, s2, s_out;
    int32_t act_min, act_max;
} add_params;

static int32_t add_one(const add_params *p, int32_t a, int32_t b)
{
    const int32_t sa = q_mul((a + p->off1) * (1 << p->lshift), p->m1, p->s1);
    const int32_t sb = q_mul((b + p->off2) * (1 << p->lshift), p->m2, p->s2);
    const int32_t raw = q_mul(sa + sb, p->m_out, p->s_out) + p->out_offset;
    return k_clamp(raw, p->act_min, p->act_max);
}

/* 16x8: (x - zp) << 15 fits int32 for any int16 x and zero point. */
static int add16_eval(const eng_op *op, uint8_t *const *tdata)
{
    const add_params *p = op->params;
    const int16_t *a = (const int16_t *)(const void *)tdata[op->in[0]];
    const int16_t *b = (const int16_t *)(const void *)tdata[op->in[1]];
    int16_t *out = (int16_t *)(void *)tdata[op->out];
    const int32_t *d = p->out_dims;
    for (int32_t i0 = 0; i0 < d[0]; i0++) {
        for (int32_t i1 = 0; i1 < d[1]; i1++) {
            for (int32_t i2 = 0; i2 < d[2]; i2++) {
                const int32_t base1 = i0 * p->stride1[0] + i1 * p->stride1[1] + i2 * p->stride1[2];
                const int32_t base2 = i0 * p->stride2[0] + i1 * p->stride2[1] + i2 * p->stride2[2];
                for (int32_t i3 = 0; i3 < d[3]; i3++) {
                    *out++ = (int16_t)add_one(p, a[base1 + i3 * p->stride1[3]], b[base2 + i3 * p->stride2[3]]);
                }
            }
        }
    }
    return ENGINE_OK;
}

static int add_eval(const eng_op *op, uint8_t *const *tdata)
{
    const add_params *p = op->params;
    const int8_t *a = (const int8_t *)tdata[op->in[0]];
    const int8_t *b = (const int8_t *)tdata[op->in[1]];
    int8_t *out = (int8_t *)tdata[op->out];
    if (!p->broadcast) {
        for (uint32_t i = 0; i < p->n; i++) {
            out[i] = (int8_t)add_one(p, a[i], b[i]);
        }
        return ENGINE_OK;
    }
    const int32_t *d = p->out_dims;
    for (int32_t i0 = 0; i0 < d[0]; i0++) {
        for (int32_t i1 = 0; i1 < d[1]; i1++) {
            for (int32_t i2 = 0; i2 < d[2]; i2++) {
                const int32_t base1 = i0 * p->stride1[0] + i1 * p->stride1[1] + i2 * p->stride1[2];
                const int32_t base2 = i0 * p->stride2[0] + i1 * p->stride2[1] + i2 * p->stride2[2];
                for (int32_t i3 = 0; i3 < d[3]; i3++) {
                    *out++ = (int8_t)add_one(p, a[base1 + i3 * p->stride1[3]], b[base2 + i3 * p->stride2[3]]);
                }
            }
        }
    }
    return ENGINE_OK;
}

/* Right-align a shape to 4-D and compute broadcast strides against out. */
static int broadcast_strides(const tview *t, const int32_t out[4], int32_t stride[4])
{
    int32_t dims[4] = {1, 1, 1, 1};
    for (uint32_t i = 0; i < t->ndims; i++) {
        dims[4u - t->ndims + i] = t->dims[i];
    }
    int32_t s = 1;
    for (int i = 3; i >= 0; i--) {
        if (dims[i] != out[i] && dims[i] != 1) {
            return -1;
        }
        stride[i] = dims[i] == 1 ? 0 : s;
        s *= dims[i];
    }
    return 0;
}

static int add_shapes(ld_ctx *c, const op_view *ov, const tview *a, const tview *b, const tview *out, add_params *p)
{
    if (a->ndims > 4u || b->ndims > 4u || out->ndims > 4u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "more than 4 dimensions");
    }
    for (int i = 0; i < 4; i++) {
        p->out_dims[i] = 1;
    }
    for (uint32_t i = 0; i < out->ndims; i++) {
        p->out_dims[4u - out->ndims + i] = out->dims[i];
    }
    if (broadcast_strides(a, p->out_dims, p->stride1) != 0 || broadcast_strides(b, p->out_dims, p->stride2) != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input shapes do not broadcast to the output shape");
    }
    p->n = out->elems;
    p->broadcast = a->elems != out->elems || b->elems != out->elems;
    return ENGINE_OK;
}

static int add_multipliers(ld_ctx *c, const op_view *ov, const tview *a, const tview *b, const tview *out,
                           add_params *p)
{
    const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
    const double m1 = (double)a->scale / twice_max;
    const double m2 = (double)b->scale / twice_max;
    p->lshift = (uint8_t)(out->type == T_INT16 ? 15 : ADD_LEFT_SHIFT);
    const double m_out = twice_max / ((double)(1 << p->lshift) * (double)out->scale);
    int r;
    if ((r = ld_multiplier(c, ov, m1, &p->m1, &p->s1)) != ENGINE_OK ||
        (r = ld_multiplier(c, ov, m2, &p->m2, &p->s2)) != ENGINE_OK ||
        (r = ld_multiplier(c, ov, m_out, &p->m_out, &p->s_out)) != ENGINE_OK) {
        return r;
    }
    if (p->s1 > 0 || p->s2 > 0 || p->s_out > 0) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "output scale too small for int8 ADD rescaling");
    }
    p->off1 = -a->zero_point;
    p->off2 = -b->zero_point;
    p->out_offset = out->zero_point;
    return ENGINE_OK;
}

int k_prep_add(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview a, b, out;
    uint8_t act;
    int r;
    if (ov->n_in != 2u || ov->in[0] < 0 || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs two inputs");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &a)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->in[1], &b)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    const uint8_t t = a.type == T_INT16 ? T_INT16 : T_INT8;
    if ((r = ld_need_type(c, ov, &a, t)) != ENGINE_OK || (r = ld_need_type(c, ov, &b, t)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, &out, t)) != ENGINE_OK || (r = ld_need_quant(c, ov, &a)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, &b)) != ENGINE_OK || (r = ld_need_quant(c, ov, &out)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, ADD_ACT, 0, &act)) != ENGINE_OK) {
        return r;
    }
    add_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if ((r = add_shapes(c, ov, &a, &b, &out, p)) != ENGINE_OK ||
        (r = add_multipliers(c, ov, &a, &b, &out, p)) != ENGINE_OK ||
        (r = ld_act_range(c, ov, act, &out, &p->act_min, &p->act_max)) != ENGINE_OK) {
        return r;
    }
    op->eval = t == T_INT16 ? add16_eval : add_eval;
    op->params = p;
    return ENGINE_OK;
}
