/* Element-wise int8 activations: RELU, RELU6, LEAKY_RELU, LOGISTIC, TANH,
 * HARD_SWISH, ELU.
 *
 * Each output byte is a function of the input byte alone, so for tensors of
 * 256 elements or more prepare runs TFLM's integer formula once for each of
 * the 256 possible inputs and eval is a table lookup (256 bytes of arena);
 * smaller tensors (RNN cells) evaluate the formula per element instead,
 * which keeps the arena of unrolled GRU/LSTM models small. The formulas,
 * including where TFLM computes a scale ratio in float rather than double:
 *   RELU        zp_out + MBQM(x - zp_in, float(s_in / s_out)), clamped to
 *               [max(-128, zp_out), 127]
 *   RELU6       clamp(x, zp_in, zp_in + round(6 / s_in)) without rescaling
 *               (TFLM assumes the output shares the input's quantization)
 *   LEAKY_RELU  zp_out + MBQM(x - zp_in, float(s_in * alpha / s_out)) below
 *               the zero point, MBQM(..., float(s_in / s_out)) above
 *   LOGISTIC    gemmlowp logistic of (x - zp_in) rescaled to Q4.27, output
 *               in 1/256 steps from -128 (the output scale is not read)
 *   TANH        gemmlowp tanh likewise, output in 1/128 steps around 0
 *   HARD_SWISH  TFLM's int16 pipeline: x - zp_in at 2^7 finer scale, a
 *               "reluish" factor relu6(x + 3) / 6 in Q0.15 and the rescaled
 *               input multiplied with 16-bit multipliers (int32 multipliers
 *               rounded to their top 16 bits), both from float quotients
 *   ELU         TFLM's float table: round((expf(v) - 1) / s_out) + zp_out for
 *               v = s_in (x - zp_in) < 0, in single precision; identical
 *               wherever expf is correctly rounded (glibc; check newlib's on
 *               a device against the host table if it matters)
 * MBQM is MultiplyByQuantizedMultiplier.
 *
 * 16x8 LOGISTIC and TANH (int16 in and out, zero points 0, output scale
 * 2^-15 as TFLM requires): TFLM's table interpolation (quant.c) of the input
 * rescaled to 1/(3 * 4096) steps: with a power-of-two input scale whose
 * exponent gives a left shift of 0 (TANH: 0 or 1), the input times 3 << shift;
 * otherwise a multiplier of s_in * 3 * 4096 doubled until above 32767 / 2
 * (counting the doublings as a rounding right shift), truncated to int.
 * 16x8 LEAKY_RELU: the int8 formula, per element, clamped to int16. */
#include <math.h>

#include "k_common.h"
#include "../quant.h"

enum { LEAKY_ALPHA = 0 };

/* Kept per operator in the arena, so packed (unrolled RNNs have dozens). */
typedef struct {
    int32_t m1, m2; /* RELU/LEAKY: identity and alpha multipliers; LOGISTIC/TANH: input multiplier */
    int32_t lo, hi; /* RELU/RELU6 bounds; LOGISTIC/TANH: input radius in lo */
    float s_in, inv_out; /* ELU */
    int16_t zp_in, zp_out;
    int8_t s1, s2;
} act_q;

static int32_t relu_fn(const act_q *q, int32_t x)
{
    return k_clamp(q->zp_out + q_mul(x - q->zp_in, q->m1, q->s1), q->lo, q->hi);
}

static int32_t relu6_fn(const act_q *q, int32_t x)
{
    return x > q->hi ? q->hi : (x < q->lo ? q->lo : x);
}

static int32_t leaky_fn(const act_q *q, int32_t x)
{
    const int32_t v = x - q->zp_in;
    const int32_t r = v >= 0 ? q_mul(v, q->m1, q->s1) : q_mul(v, q->m2, q->s2);
    return k_clamp(q->zp_out + r, -128, 127);
}

/* LOGISTIC and TANH: inputs beyond the radius saturate; inside it the
 * rescaled value fits Q4.27 without overflow. */
static int32_t logistic_fn(const act_q *q, int32_t x)
{
    const int32_t v = x - q->zp_in;
    if (v <= -q->lo) {
        return -128;
    }
    if (v >= q->lo) {
        return 127;
    }
    const int32_t r = q_rdbp(q_logistic(q_mul(v, q->m1, q->s1), 4), 23) - 128;
    return k_clamp(r, -128, 127);
}

static int32_t tanh_fn(const act_q *q, int32_t x)
{
    const int32_t v = x - q->zp_in;
    if (v <= -q->lo) {
        return -128;
    }
    if (v >= q->lo) {
        return 127;
    }
    return k_clamp(q_rdbp(q_tanh(q_mul(v, q->m1, q->s1), 4), 24), -128, 127);
}

/* gemmlowp's int16 SaturatingRoundingDoublingHighMul and RoundingDivideByPOT. */
static int32_t srdhm16(int32_t a, int32_t b)
{
    if (a == b && a == INT16_MIN) {
        return INT16_MAX;
    }
    const int32_t ab = a * b;
    return (int16_t)((ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15));
}

static int32_t rdbp16(int32_t x, int e)
{
    const int32_t mask = (1 << e) - 1;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (int16_t)((x >> e) + ((x & mask) > threshold ? 1 : 0));
}

static int32_t sat_shl16(int32_t v, int e)
{
    const int32_t r = v * (1 << e);
    return r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r);
}

static int32_t hard_swish_fn(const act_q *q, int32_t x)
{
    const int32_t hires = (int16_t)((x - q->zp_in) * (1 << 7));
    const int32_t pre_out = srdhm16(hires, q->m1);
    int32_t relu = hires;
    if (q->s2 > 0) {
        relu = sat_shl16(relu, q->s2 - 1);
    }
    relu = srdhm16(relu, q->m2);
    if (q->s2 > 0) {
        relu = sat_shl16(relu, 1);
    } else if (q->s2 < 0) {
        relu = rdbp16(relu, -q->s2);
    }
    relu = (int16_t)((relu + (1 << 15)) >> 1); /* [-1, 1] in Q0.15 -> [0, 1] */
    const int32_t pre = (int16_t)((relu * pre_out) / (1 << 15)); /* truncating doubling high mul */
    const int32_t out = rdbp16(pre, -q->s1) + q->zp_out;
    return k_clamp((int16_t)out, -128, 127);
}

static int32_t elu_fn(const act_q *q, int32_t x)
{
    const float v = q->s_in * (float)(x - q->zp_in);
    const float t = v < 0.0f ? expf(v) - 1.0f : v;
    const float r = roundf(t * q->inv_out) + (float)q->zp_out;
    const int32_t i = r > 127.0f ? 127 : (r < -128.0f ? -128 : (int32_t)r);
    return i;
}

static int32_t act_value(const act_q *q, uint8_t kind, int32_t x)
{
    switch (kind) {
    case OP_RELU:
        return relu_fn(q, x);
    case OP_RELU6:
        return relu6_fn(q, x);
    case OP_LEAKY_RELU:
        return leaky_fn(q, x);
    case OP_LOGISTIC:
        return logistic_fn(q, x);
    case OP_TANH:
        return tanh_fn(q, x);
    case OP_HARD_SWISH:
        return hard_swish_fn(q, x);
    default:
        return elu_fn(q, x);
    }
}

typedef struct {
    act_q q;
    uint32_t n;
    uint8_t kind; /* builtin code */
    uint8_t has_lut;
    int8_t lut[]; /* 256 entries when has_lut */
} act_params;

static int act_eval(const eng_op *op, uint8_t *const *tdata)
{
    const act_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (uint32_t i = 0; i < p->n; i++) {
        out[i] = p->has_lut ? p->lut[(uint8_t)in[i]] : (int8_t)act_value(&p->q, p->kind, in[i]);
    }
    return ENGINE_OK;
}

/* One int8 input, one int8 output of the same shape, both quantized. */
static int act_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *out)
{
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0 || ov->n_out != 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input and one output");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK || (r = ld_need_type(c, ov, in, T_INT8)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, out, T_INT8)) != ENGINE_OK || (r = ld_need_quant(c, ov, in)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, out)) != ENGINE_OK) {
        return r;
    }
    if (in->elems != out->elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output size differs from the input");
    }
    return ENGINE_OK;
}

static int act_finish(ld_ctx *c, const op_view *ov, eng_op *op, const tview *out, const act_q *q)
{
    const int has_lut = out->elems >= 256u;
    act_params *p = ld_alloc(c, sizeof *p + (has_lut ? 256u : 0u));
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->q = *q;
    p->n = out->elems;
    p->kind = (uint8_t)ov->code;
    p->has_lut = (uint8_t)has_lut;
    for (int32_t x = -128; x < 128 && has_lut; x++) {
        p->lut[(uint8_t)x] = (int8_t)act_value(q, p->kind, x);
    }
    op->params = p;
    op->eval = act_eval;
    return ENGINE_OK;
}

/* ld_multiplier into the packed shift field. */
static int multiplier8(ld_ctx *c, const op_view *ov, double m, int32_t *qm, int8_t *shift)
{
    int s = 0;
    int r = ld_multiplier(c, ov, m, qm, &s);
    *shift = (int8_t)s;
    return r;
}

/* TFLM's DownScaleInt32ToInt16Multiplier: the top 16 bits, rounded. */
static int32_t to_q15(int32_t m)
{
    return m >= INT32_MAX - (1 << 15) ? INT16_MAX : (m + (1 << 15)) >> 16;
}

static int hard_swish_q(ld_ctx *c, const op_view *ov, const tview *in, const tview *out, act_q *q)
{
    const float hires = (1.0f / 128.0f) * in->scale;
    const float reluish = 3.0f / 32768.0f;
    int r;
    if ((r = multiplier8(c, ov, (double)(hires / out->scale), &q->m1, &q->s1)) != ENGINE_OK ||
        (r = multiplier8(c, ov, (double)(hires / reluish), &q->m2, &q->s2)) != ENGINE_OK) {
        return r;
    }
    if (q->s1 > 0 || q->s1 < -15 || q->s2 < -15 || q->s2 > 15) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "scales out of range (TFLM needs an output exponent <= 0)");
    }
    q->m1 = to_q15(q->m1);
    q->m2 = to_q15(q->m2);
    return ENGINE_OK;
}

/* LOGISTIC/TANH input rescaling: s_in * 2^27 as frexp + round, without
 * QuantizeMultiplier's 2^31 fix-up (a mantissa that rounds to 2^31 would
 * overflow in TFLM, so it is rejected here); radius as CalculateInputRadius. */
static int sigmoid_q(ld_ctx *c, const op_view *ov, const tview *in, act_q *q)
{
    int shift;
    const double frac = frexp((double)in->scale * (double)(1 << 27), &shift);
    const double m = round(frac * 2147483648.0);
    if (m >= 2147483648.0 || shift < 0 || shift > 30) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "input scale out of range");
    }
    q->m1 = (int32_t)m;
    q->s1 = (int8_t)shift;
    q->lo = (int32_t)floor(15.0 * (double)(1 << 27) / (double)((int64_t)1 << shift));
    return ENGINE_OK;
}

typedef struct {
    uint32_t n;
    int32_t mult, shift;
    uint8_t tanh, leaky;
    act_q q; /* LEAKY_RELU: identity and alpha multipliers, zero points */
} act16_params;

static int act16_eval(const eng_op *op, uint8_t *const *tdata)
{
    const act16_params *p = op->params;
    const int16_t *in = (const int16_t *)(const void *)tdata[op->in[0]];
    int16_t *out = (int16_t *)(void *)tdata[op->out];
    for (uint32_t i = 0; i < p->n; i++) {
        if (p->leaky) { /* the int8 formula, clamped to int16 */
            const int32_t v = in[i] - p->q.zp_in;
            const int32_t r = v >= 0 ? q_mul(v, p->q.m1, p->q.s1) : q_mul(v, p->q.m2, p->q.s2);
            out[i] = (int16_t)k_clamp(p->q.zp_out + r, -32768, 32767);
        } else {
            out[i] = p->tanh ? q_tanh16(in[i], p->mult, p->shift) : q_logistic16(in[i], p->mult, p->shift);
        }
    }
    return ENGINE_OK;
}

/* TFLM's CheckedLog2: the rounded base-2 exponent; exact within 1e-3. */
static int checked_log2(float x, int *e)
{
    const double l = log((double)x) * (1.0 / log(2.0));
    const double rl = round(l);
    *e = (int)rl;
    return fabs(l - rl) < 1e-3;
}

static int prep_act16(ld_ctx *c, const op_view *ov, const tview *in, const tview *out, eng_op *op)
{
    int e_in, e_out;
    if (ov->code == OP_LEAKY_RELU) {
        float alpha = 0.0f;
        int r, s1 = 0, s2 = 0;
        act16_params *p = ld_alloc(c, sizeof *p);
        if (p == NULL) {
            return ENGINE_ARENA_TOO_SMALL;
        }
        if ((r = ld_need_type(c, ov, out, T_INT16)) != ENGINE_OK ||
            (r = k_opt_f32(c, ov, LEAKY_ALPHA, 0.0f, &alpha)) != ENGINE_OK) {
            return r;
        }
        if (in->elems != out->elems) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output size differs from the input");
        }
        /* int16: the tflite_micro package forms both quotients in double
         * (the float ones of the int8 path are one LSB off now and then) */
        const double ident = (double)in->scale / (double)out->scale;
        const double slope = (double)in->scale * (double)alpha / (double)out->scale;
        if (!(alpha >= 0.0f) || (r = ld_multiplier(c, ov, ident, &p->q.m1, &s1)) != ENGINE_OK ||
            (r = ld_multiplier(c, ov, slope, &p->q.m2, &s2)) != ENGINE_OK) {
            return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "negative or NaN alpha");
        }
        /* shifts lie in [-31, 30] (ld_multiplier refuses others); int16 zero points fit */
        p->q.s1 = (int8_t)s1;
        p->q.s2 = (int8_t)s2;
        p->n = out->elems;
        p->leaky = 1;
        p->q.zp_in = (int16_t)in->zero_point;
        p->q.zp_out = (int16_t)out->zero_point;
        op->params = p;
        op->eval = act16_eval;
        return ENGINE_OK;
    }
    if (ov->code != OP_LOGISTIC && ov->code != OP_TANH) {
        return ld_need_type(c, ov, in, T_INT8);
    }
    if (out->type != T_INT16 || in->zero_point != 0 || out->zero_point != 0 || !checked_log2(out->scale, &e_out) ||
        e_out != -15 || in->elems != out->elems) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED,
                          "16x8 needs an int16 output, zero points 0 and an output scale of 2^-15 (as TFLM)");
    }
    act16_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = out->elems;
    p->tanh = ov->code == OP_TANH;
    int pot = checked_log2(in->scale, &e_in);
    p->shift = (15 - 3) + e_in;
    pot = pot && (p->shift == 0 || (p->tanh && p->shift == 1));
    if (pot) {
        p->mult = 0;
    } else {
        double m = (double)in->scale * 4096.0 * 3.0;
        p->shift = 0;
        while (m <= 32767.0 / 2.0 && p->shift <= 30) {
            p->shift++;
            m *= 2.0;
        }
        if (!(m < 2147483647.0)) {
            return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "input scale out of range");
        }
        p->mult = (int32_t)m;
    }
    op->params = p;
    op->eval = act16_eval;
    return ENGINE_OK;
}

int k_prep_activation(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    act_q q = {0};
    if (ov->n_in == 1u && ov->in[0] >= 0 && ov->n_out == 1u && ld_tensor(c, (uint32_t)ov->in[0], &in) == ENGINE_OK &&
        in.type == T_INT16) {
        int r16 = ld_tensor(c, (uint32_t)ov->out, &out);
        if (r16 == ENGINE_OK && (r16 = ld_need_quant(c, ov, &in)) == ENGINE_OK) {
            r16 = ld_need_quant(c, ov, &out);
        }
        return r16 != ENGINE_OK ? r16 : prep_act16(c, ov, &in, &out, op);
    }
    int r = act_tensors(c, ov, &in, &out);
    if (r != ENGINE_OK) {
        return r;
    }
    q.zp_in = (int16_t)in.zero_point;
    q.zp_out = (int16_t)out.zero_point;
    if (ov->code == OP_RELU || ov->code == OP_LEAKY_RELU) {
        float alpha = 0.0f;
        if (ov->code == OP_LEAKY_RELU && (r = k_opt_f32(c, ov, LEAKY_ALPHA, 0.0f, &alpha)) != ENGINE_OK) {
            return r;
        }
        if (!(alpha >= 0.0f) || (r = multiplier8(c, ov, (double)(in.scale / out.scale), &q.m1, &q.s1)) != ENGINE_OK ||
            (r = multiplier8(c, ov, (double)(in.scale * alpha / out.scale), &q.m2, &q.s2)) != ENGINE_OK) {
            return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "negative or NaN alpha");
        }
        q.lo = out.zero_point > -128 ? out.zero_point : -128;
        q.hi = 127;
    } else if (ov->code == OP_RELU6) {
        const float six = roundf(6.0f / in.scale) + (float)in.zero_point;
        q.lo = in.zero_point;
        q.hi = six > 127.0f ? 127 : (int32_t)six;
    } else if (ov->code == OP_ELU) {
        q.s_in = in.scale;
        q.inv_out = 1.0f / out.scale;
    } else if (ov->code == OP_HARD_SWISH) {
        if ((r = hard_swish_q(c, ov, &in, &out, &q)) != ENGINE_OK) {
            return r;
        }
    } else {
        if (ov->code == OP_LOGISTIC && out.zero_point != -128) {
            return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "output zero point must be -128");
        }
        if ((r = sigmoid_q(c, ov, &in, &q)) != ENGINE_OK) {
            return r;
        }
    }
    return act_finish(c, ov, op, &out, &q);
}
