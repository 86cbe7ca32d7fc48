/* L2_NORMALIZATION, int8 over the last axis, TFLM's integer path: the sum
 * of squares of (x - zp_in) in int32, its inverse square root as a
 * quantized multiplier (GetInvSqrtQuantizedMultiplierExp: the sum scaled by
 * powers of 4 into [2^27, 2^29), five Newton-Raphson steps for 1/sqrt in
 * Q3.28, times sqrt(2)/2), then each (x - zp_in) times that multiplier in
 * Q0.7: the output is in steps of 1/128 around 0 (its quantization is not
 * read, as in TFLM). */
#include "k_common.h"
#include "../quant.h"

typedef struct {
    uint32_t outer, depth;
    int32_t zp_in;
} l2_params;

/* TFLM GetInvSqrtQuantizedMultiplierExp with reverse_shift -1. */
static void inv_sqrt(int32_t input, int32_t *mult, int *shift)
{
    if (input <= 1) {
        *mult = INT32_MAX;
        *shift = 0;
        return;
    }
    int s = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++s;
    }
    const int pairs = (q_clz32((uint32_t)input) - 1) / 2 - 1;
    s -= pairs;
    input = (int32_t)((uint32_t)input << (2 * pairs));
    const int32_t half_input = q_rdbp(input >> 1, 1);
    const int32_t half_three = (1 << 28) + (1 << 27); /* 1.5 in Q3.28 */
    int32_t x = 1 << 28;                              /* 1.0 */
    for (int i = 0; i < 5; i++) {
        const int32_t x3 = q_sat_shl(q_srdhm(q_srdhm(x, x), x), 6);
        x = q_sat_shl(q_srdhm(half_three, x) - q_srdhm(half_input, x3), 3);
    }
    x = q_srdhm(x, 1518500250); /* sqrt(2) / 2 in Q0.31 */
    if (s < 0) {
        x = (int32_t)((uint32_t)x << -s);
        s = 0;
    }
    *mult = x;
    *shift = -s;
}

static int l2_eval(const eng_op *op, uint8_t *const *tdata)
{
    const l2_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (uint32_t o = 0; o < p->outer; o++, in += p->depth, out += p->depth) {
        int32_t acc = 0; /* depth is limited so that this cannot overflow */
        for (uint32_t i = 0; i < p->depth; i++) {
            const int32_t v = in[i] - p->zp_in;
            acc += v * v;
        }
        int32_t m;
        int s;
        inv_sqrt(acc, &m, &s);
        for (uint32_t i = 0; i < p->depth; i++) {
            out[i] = (int8_t)k_clamp(q_mul(in[i] - p->zp_in, m, s + 7), -128, 127);
        }
    }
    return ENGINE_OK;
}

int k_prep_l2norm(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK || (r = ld_need_type(c, ov, &in, T_INT8)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, &out, T_INT8)) != ENGINE_OK || (r = ld_need_quant(c, ov, &in)) != ENGINE_OK) {
        return r;
    }
    if (in.ndims < 1u || in.ndims > 4u || in.elems != out.elems) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "needs 1 to 4 dimensions and an output of the same size");
    }
    l2_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->depth = (uint32_t)in.dims[in.ndims - 1u];
    p->outer = in.elems / p->depth;
    p->zp_in = in.zero_point;
    if (p->depth > 33025u) { /* 255^2 * depth must fit int32 */
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "last dimension above 33025");
    }
    op->eval = l2_eval;
    op->params = p;
    return ENGINE_OK;
}
