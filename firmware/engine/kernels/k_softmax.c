/* SOFTMAX, int8 input, int8 or int16 output: TFLM's reference
 * (reference_ops::Softmax for integral types), which works in gemmlowp
 * fixed point:
 *   - the difference x - max(row) is rescaled by beta * input_scale into
 *     Q5.26 (5 integer bits) with a multiplier >= 1;
 *   - exp() of that negative number is evaluated in Q0.31 by
 *     exp_on_negative_values (a 4th-order polynomial on [-1/4, 0) and a
 *     barrel shifter of exp(-2^k) constants);
 *   - the exps are summed in Q12.19, the reciprocal of the sum is found by
 *     Newton-Raphson (one_over_one_plus_x_for_x_in_0_1), and each output is
 *     exp * reciprocal shifted to 8 (or 16) bits, offset to the output's
 *     zero point (-128, or -32768 for int16).
 * Differences below diff_min (where the rescaled value would overflow Q5.26)
 * give the minimum output directly.
 *
 * 16x8 (int16 input and output, zero points 0, output scale 2^-15): TFLM's
 * SoftmaxInt16. x - max(row) is rescaled so that [-65535, 0] spans
 * [-10, 0] (multiplier beta * s_in / (10 / 65535)), recentred by +32767 and
 * saturated, and looked up in a 513-entry exp table with linear
 * interpolation (k_softmax16_lut.h); the int32 sum of the exps is normalised
 * by its leading zeros to a Q1.14-ish value whose 1 / (1 + x) comes from the
 * second table; each output is exp * reciprocal, rounded, shifted back by
 * 31 - clz(sum) and clamped to [0, 32767]. */
#include <math.h>

#include "k_common.h"
#include "k_softmax16_lut.h"
#include "../quant.h"

enum { SOFTMAX_BETA = 0 };
#define SCALED_DIFF_INT_BITS 5
#define ACCUM_INT_BITS 12

typedef struct {
    uint32_t rows, depth;
    int32_t mult;
    int shift;
    int32_t diff_min;
    uint8_t out_int16;
    int32_t rev_mult; /* LOG_SOFTMAX: the inverse of the input scaling */
    int rev_shift;
} softmax_params;

static int softmax_row(const softmax_params *p, const int8_t *x, uint8_t *out_bytes)
{
    int32_t max = -128;
    for (uint32_t c = 0; c < p->depth; c++) {
        max = x[c] > max ? x[c] : max;
    }
    uint32_t sum = 0; /* Q12.19; wraps only where TFLM would overflow too */
    for (uint32_t c = 0; c < p->depth; c++) {
        const int32_t diff = (int32_t)x[c] - max;
        if (diff >= p->diff_min) {
            sum += (uint32_t)q_rdbp(q_exp_negative(q_mul(diff, p->mult, p->shift), SCALED_DIFF_INT_BITS), ACCUM_INT_BITS);
        }
    }
    const int32_t headroom = q_clz32(sum);
    const int exponent = (int)(ACCUM_INT_BITS - headroom) + 31 - (p->out_int16 ? 16 : 8);
    if (headroom > 31 || exponent < 0 || exponent > 31) {
        /* TFLM aborts here (TFLITE_CHECK): more than ~2^(31-exponent)
         * classes share the maximum, the sum of exps leaves Q12.19. */
        return ENGINE_INFER_FAILED;
    }
    const int32_t scale = q_one_over_one_plus((int32_t)((sum << headroom) - 0x80000000u));
    const int32_t out_min = p->out_int16 ? -32768 : -128;
    const int32_t out_max = p->out_int16 ? 32767 : 127;
    for (uint32_t c = 0; c < p->depth; c++) {
        const int32_t diff = (int32_t)x[c] - max;
        int32_t v = out_min;
        if (diff >= p->diff_min) {
            const int32_t e = q_exp_negative(q_mul(diff, p->mult, p->shift), SCALED_DIFF_INT_BITS);
            v = k_clamp(q_rdbp(q_srdhm(scale, e), exponent) + out_min, out_min, out_max);
        }
        if (p->out_int16) {
            const int16_t s = (int16_t)v;
            out_bytes[2u * c] = (uint8_t)((uint16_t)s & 0xFFu);
            out_bytes[2u * c + 1u] = (uint8_t)((uint16_t)s >> 8);
        } else {
            out_bytes[c] = (uint8_t)(int8_t)v;
        }
    }
    return ENGINE_OK;
}

static int softmax_eval(const eng_op *op, uint8_t *const *tdata)
{
    const softmax_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    uint8_t *out = tdata[op->out];
    const uint32_t out_row = p->depth * (p->out_int16 ? 2u : 1u);
    for (uint32_t r = 0; r < p->rows; r++) {
        if (softmax_row(p, in + r * p->depth, out + r * out_row) != ENGINE_OK) {
            return ENGINE_INFER_FAILED;
        }
    }
    return ENGINE_OK;
}

/* ---- LOG_SOFTMAX (int8 in, int8 out with scale 16/256 and zero point 127):
 * TFLM's LogSoftmaxQuantized. The exps of the rescaled differences are
 * summed in Q12.19 as for SOFTMAX; log(sum) comes from TFLM's
 * log_x_for_x_greater_than_or_equal_to_1 (a normalisation by powers of two
 * plus a rational approximation of log on [sqrt(1/2), sqrt(2))) in Q5.26;
 * each output is (diff - log(sum)) in Q5.26 shifted to Q4.3, plus 127.
 * Differences at or below a threshold derived from log(sum) by the reverse
 * input scaling give -128 directly. */

/* gemmlowp SaturatingRoundingMultiplyByPOT with a run-time exponent. */
static int32_t pot_param(int32_t x, int e)
{
    return e > 0 ? q_sat_shl(x, e) : (e < 0 ? q_rdbp(x, -e) : x);
}

static int32_t sat_add(int32_t a, int32_t b)
{
    const int64_t s = (int64_t)a + b;
    return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

/* log(x) for x >= 1: x in Q12.19 (raw), result in Q5.26. Accumulation in
 * Q6.25. */
static int32_t log_x_ge_1(int32_t x)
{
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = q_rdbp(536870912, 6);
    const int hr_a = q_clz32((uint32_t)x);
    const int32_t r_a = pot_param(q_srdhm(pot_param(x, hr_a - 1), sqrt_half), 1);
    const int32_t za_adj = sat_add(pot_param(12 - hr_a, 31 - 6), shifted_quarter);
    const int hr_b = q_clz32((uint32_t)q_srdhm(x, sqrt_half)) - 1;
    const int32_t r_b = pot_param(x, hr_b);
    const int32_t zb_adj = sat_add(pot_param(12 - hr_b, 31 - 6), -shifted_quarter);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t z_adj = za_adj > zb_adj ? za_adj : zb_adj;
    const int64_t ps = (int64_t)r + sqrt_sqrt_half;
    const int32_t p = (int32_t)((ps + (ps >= 0 ? 1 : -1)) / 2);
    const int32_t q = (int32_t)(2u * (uint32_t)(r - sqrt_sqrt_half));
    const int32_t sq = q_srdhm(q, q);
    const int32_t num = q_srdhm(q, r) + q_srdhm(q_srdhm(q, sq), alpha_n);
    const int32_t den = q_srdhm(p, alpha_i + q + q_srdhm(alpha_d, sq)) + q_srdhm(alpha_f, q);
    const int32_t recip = q_one_over_one_plus(den);
    return q_sat_shl(q_srdhm(z_adj, log_2) + q_srdhm(q_rdbp(num, 6), recip), 1);
}

static void log_softmax_row(const softmax_params *p, const int8_t *x, int8_t *out)
{
    int32_t max = -128;
    for (uint32_t c = 0; c < p->depth; c++) {
        max = x[c] > max ? x[c] : max;
    }
    uint32_t sum = 0; /* Q12.19 */
    for (uint32_t c = 0; c < p->depth; c++) {
        const int32_t diff = (int32_t)x[c] - max;
        if (diff >= p->diff_min) {
            sum += (uint32_t)q_rdbp(q_exp_negative(q_mul(diff, p->mult, p->shift), SCALED_DIFF_INT_BITS), ACCUM_INT_BITS);
        }
    }
    const int32_t log_sum = log_x_ge_1((int32_t)sum);
    const int32_t rev = q_mul((int32_t)((uint32_t)log_sum + 0x80000000u), p->rev_mult, p->rev_shift);
    const int32_t adj_min = p->diff_min - 1 > rev ? p->diff_min - 1 : rev;
    for (uint32_t c = 0; c < p->depth; c++) {
        const int32_t diff = (int32_t)x[c] - max;
        if (diff > adj_min) {
            const int32_t v = q_rdbp(q_mul(diff, p->mult, p->shift) - log_sum, 31 - SCALED_DIFF_INT_BITS - 4) + 127;
            out[c] = (int8_t)k_clamp(v, -128, 127);
        } else {
            out[c] = -128;
        }
    }
}

static int log_softmax_eval(const eng_op *op, uint8_t *const *tdata)
{
    const softmax_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (uint32_t r = 0; r < p->rows; r++) {
        log_softmax_row(p, in + r * p->depth, out + r * p->depth);
    }
    return ENGINE_OK;
}

/* TFLM PreprocessSoftmaxScaling and CalculateInputRadius. */
static int softmax_scaling(ld_ctx *c, const op_view *ov, float beta, float in_scale, softmax_params *p)
{
#if ENGINE_SINGLE_ROUNDING
    const double max_mult = 1073741823.0; /* 2^30 - 1 */
#else
    const double max_mult = 2147483647.0; /* 2^31 - 1 */
#endif
    double m = (double)beta * (double)in_scale * (double)(1 << (31 - SCALED_DIFF_INT_BITS));
    m = m < max_mult ? m : max_mult;
    if (!(m > 1.0) || ld_multiplier(c, ov, m, &p->mult, &p->shift) != ENGINE_OK) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "beta * input scale out of range");
    }
    const double radius = 1.0 * ((1 << SCALED_DIFF_INT_BITS) - 1) *
                          (double)((int64_t)1 << (31 - SCALED_DIFF_INT_BITS)) / (double)((int64_t)1 << p->shift);
    p->diff_min = -(int32_t)floor(radius);
    return ENGINE_OK;
}

/* TFLM's LUTLookup: 9-bit segment index, 7-bit fraction, rounded slope. */
static int16_t lut16(int16_t v, const int16_t *lut)
{
    const uint32_t idx = (uint32_t)(256 + (v >> 7));
    const int32_t off = v & 0x7F;
    const int32_t base = lut[idx];
    const int32_t slope = (int32_t)lut[idx + 1u] - base;
    return (int16_t)(base + ((slope * off + 64) >> 7));
}

static int softmax16_eval(const eng_op *op, uint8_t *const *tdata)
{
    const softmax_params *p = op->params;
    const int16_t *in = (const int16_t *)(const void *)tdata[op->in[0]];
    int16_t *out = (int16_t *)(void *)tdata[op->out];
    for (uint32_t r = 0; r < p->rows; r++) {
        const int16_t *x = in + r * p->depth;
        int16_t *y = out + r * p->depth;
        int16_t mx = INT16_MIN;
        for (uint32_t k = 0; k < p->depth; k++) {
            mx = x[k] > mx ? x[k] : mx;
        }
        uint32_t sum = 0; /* Q16.15; TFLM's int32 sum, kept modulo 2^32 */
        for (uint32_t k = 0; k < p->depth; k++) {
            const int32_t d = q_mul((int32_t)x[k] - mx, p->mult, p->shift) + 32767;
            const int16_t e = lut16((int16_t)k_clamp(d, -32768, 32767), k_exp_lut16);
            y[k] = e;
            const int32_t e32 = e;
            sum = sum + (uint32_t)e32;
        }
        if (sum == 0u) {
            return ENGINE_INFER_FAILED; /* TFLM would shift by -1: undefined */
        }
        const int32_t hr = q_clz32(sum); /* headroom plus one */
        const int32_t shifted = (int32_t)((((int64_t)(int32_t)sum << (hr - 1)) + (1 << 13)) >> 14);
        const int32_t sym = shifted - ((1 << 15) + (1 << 16));
        const int32_t recip = lut16((int16_t)k_clamp(sym, -32768, 32767), k_inv_lut16);
        const int32_t rs = 31 - hr;
        for (uint32_t k = 0; k < p->depth; k++) {
            const int64_t v = ((int64_t)y[k] * recip + ((int64_t)1 << (rs - 1))) >> rs;
            y[k] = (int16_t)(v < 0 ? 0 : v > 32767 ? 32767 : v);
        }
    }
    return ENGINE_OK;
}

static int prep_softmax16(ld_ctx *c, const op_view *ov, const tview *in, const tview *out, float beta, eng_op *op)
{
    int s;
    if (out->type != T_INT16 || in->zero_point != 0 || out->zero_point != 0 ||
        fabsf(out->scale - 1.0f / 32768.0f) > 0.001f / 32768.0f) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "16x8 needs an int16 output, zero points 0 and scale 2^-15");
    }
    if (in->ndims < 1u || in->elems != out->elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output sizes differ");
    }
    softmax_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->depth = (uint32_t)in->dims[in->ndims - 1u];
    p->rows = in->elems / p->depth;
    p->out_int16 = 1;
    const double m = (double)in->scale * (double)beta / (10.0 / 65535.0);
    int r = ld_multiplier(c, ov, m, &p->mult, &s);
    p->shift = s;
    op->eval = softmax16_eval;
    op->params = p;
    return r;
}

int k_prep_softmax(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    float beta;
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK || (r = ld_need_quant(c, ov, &in)) != ENGINE_OK ||
        (r = k_opt_f32(c, ov, SOFTMAX_BETA, 0.0f, &beta)) != ENGINE_OK) {
        return r;
    }
    if (in.type == T_INT16) {
        return (r = ld_need_quant(c, ov, &out)) != ENGINE_OK ? r : prep_softmax16(c, ov, &in, &out, beta, op);
    }
    if ((r = ld_need_type(c, ov, &in, T_INT8)) != ENGINE_OK) {
        return r;
    }
    if (out.type != T_INT8 && out.type != T_INT16) {
        return ld_need_type(c, ov, &out, T_INT8);
    }
    if ((r = ld_need_quant(c, ov, &out)) != ENGINE_OK) {
        return r;
    }
    /* TFLM insists on the canonical output quantization. */
    if ((out.type == T_INT8 && (out.zero_point != -128 || out.scale != 1.0f / 256.0f)) ||
        (out.type == T_INT16 && (out.zero_point != -32768 || fabsf(out.scale - 1.0f / 65536.0f) > 0.001f / 65536.0f))) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "output quantization must be 1/256, -128 (int16: 1/65536, -32768)");
    }
    if (in.ndims < 1u || in.elems != out.elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output sizes differ");
    }
    softmax_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->depth = (uint32_t)in.dims[in.ndims - 1u];
    p->rows = in.elems / p->depth;
    p->out_int16 = out.type == T_INT16;
    op->eval = softmax_eval;
    op->params = p;
    return softmax_scaling(c, ov, beta, in.scale, p);
}

int k_prep_log_softmax(ld_ctx *c, const op_view *ov, eng_op *op)
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
    if (out.scale != 16.0f / 256.0f || out.zero_point != 127 || out.scales.n != 1u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "output quantization must be 16/256, 127 (TFLM checks it)");
    }
    if (in.ndims < 1u || in.elems != out.elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output sizes differ");
    }
    softmax_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->depth = (uint32_t)in.dims[in.ndims - 1u];
    p->rows = in.elems / p->depth;
    if ((r = softmax_scaling(c, ov, 1.0f, in.scale, p)) != ENGINE_OK) {
        return r;
    }
    /* (2^(31 - shift)) / mult, a multiplier below 1 (PreprocessLogSoftmaxScalingExp) */
    const double rev = (double)((int64_t)1 << (31 - p->shift)) / (double)p->mult;
    if ((r = ld_multiplier(c, ov, rev, &p->rev_mult, &p->rev_shift)) != ENGINE_OK) {
        return r;
    }
    if (p->rev_shift > 0) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "input scale out of range");
    }
    op->eval = log_softmax_eval;
    op->params = p;
    return ENGINE_OK;
}
