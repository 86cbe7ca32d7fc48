/* FULLY_CONNECTED, int8 activations and weights, int32 bias (optional).
 *
 * Per-tensor weights use TFLM's GetQuantizedConvolutionMultipler, which
 * widens both scales to double before multiplying (forming the product in
 * float first is off by one LSB on about 1 in 50 random ad01 inputs);
 * per-channel weights use the same all-double formula in k_chan_multipliers.
 * The output shape (keep_num_dims or not) only decides how many rows there
 * are: batches = output elements / output depth. */
#include "k_common.h"
#include "../quant.h"
#include "arm_dsp.h"
#include "k_requant.h"

enum { FC_ACTIVATION = 0, FC_WEIGHTS_FORMAT = 1, FC_QUANTIZED_BIAS_TYPE = 4 };

typedef struct {
    uint32_t batches, depth, accum;
    int32_t in_offset, filter_offset, out_offset;
    int32_t act_min, act_max;
    int32_t mult;
    int16_t shift;
    uint8_t acc64; /* 16x8: accumulate in int64 (int64 bias), else int32 */
    k_chan_q chan; /* per-channel multipliers, or NULL */
} fc_params;

/* 16x8 (TFLM's reference_integer_ops::FullyConnected with int16 input and
 * output): an int64 sum with an int64 bias, requantized by the int64
 * MultiplyByQuantizedMultiplier (multiplier rounded to 16 bits, one
 * rounding shift); or, with an int32 bias, the int32 sum and the usual
 * requantization. Offsets as in the int8 kernel (16x8 zero points are 0 in
 * practice, but TFLM applies them and so does this). */
static int fc16_eval(const eng_op *op, uint8_t *const *tdata)
{
    const fc_params *p = op->params;
    const int16_t *in = (const int16_t *)(const void *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const void *bias = op->in[2] == ENG_NO_TENSOR ? NULL : tdata[op->in[2]];
    int16_t *out = (int16_t *)(void *)tdata[op->out];
    for (uint32_t b = 0; b < p->batches; b++) {
        const int16_t *x = in + b * p->accum;
        for (uint32_t oc = 0; oc < p->depth; oc++) {
            const int8_t *f = w + oc * p->accum;
            /* per-channel: TFLM ignores the weights' zero point */
            const int32_t foff = p->chan.mult != NULL ? 0 : p->filter_offset;
            const int32_t m = p->chan.mult != NULL ? p->chan.mult[oc] : p->mult;
            const int s = p->chan.mult != NULL ? p->chan.shift[oc] : p->shift;
            int32_t acc;
            if (p->acc64) {
                int64_t sum = 0;
                for (uint32_t d = 0; d < p->accum; d++) {
                    sum += (int64_t)((int32_t)f[d] + foff) * ((int32_t)x[d] + p->in_offset);
                }
                if (bias != NULL) {
                    sum = q_add64(sum, k_i64(bias, (uint32_t)oc));
                }
                acc = q_mul64(sum, m, s);
            } else {
                k_acc_t sum = 0;
                for (uint32_t d = 0; d < p->accum; d++) {
                    /* |(f + off)(x + off)| < 2^24: the product fits int32 */
                    sum += (uint32_t)(((int32_t)f[d] + foff) * ((int32_t)x[d] + p->in_offset));
                }
                acc = q_mul(k_acc(sum, (const int32_t *)bias, oc), m, s);
            }
            out[b * p->depth + oc] = (int16_t)k_clamp(acc + p->out_offset, p->act_min, p->act_max);
        }
    }
    return ENGINE_OK;
}

static int fc_eval(const eng_op *op, uint8_t *const *tdata)
{
    const fc_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const int32_t *bias = op->in[2] == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[op->in[2]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (uint32_t b = 0; b < p->batches; b++) {
        const int8_t *x = in + b * p->accum;
        for (uint32_t oc = 0; oc < p->depth; oc++) {
            const int8_t *f = w + oc * p->accum;
            k_acc_t sum = 0;
            if (p->filter_offset == 0) {
                for (uint32_t d = 0; d < p->accum; d++) {
                    sum = k_mac(sum, f[d], (int32_t)x[d] + p->in_offset);
                }
            } else {
                for (uint32_t d = 0; d < p->accum; d++) {
                    sum = k_mac(sum, (int32_t)f[d] + p->filter_offset, (int32_t)x[d] + p->in_offset);
                }
            }
            int32_t acc = k_acc(sum, bias, oc);
            if (p->chan.mult != NULL) {
                acc = q_mul(acc, p->chan.mult[oc], p->chan.shift[oc]);
            } else {
                acc = q_mul(acc, p->mult, p->shift);
            }
            out[b * p->depth + oc] = (int8_t)k_clamp(acc + p->out_offset, p->act_min, p->act_max);
        }
    }
    return ENGINE_OK;
}

#if ENGINE_KERNELS_DSP
/* Armv7E-M: four weight rows share each word of the input. The input is
 * widened once per word (SXTB16 splits bytes 0/2 from 1/3) and the offset
 * added in-lane with SADD16 (x + in_offset fits int16); each row then costs
 * one load, two SXTB16 and two SMLAD per four multiply-accumulates. The
 * weight word goes through the same SXTB16 split, so lanes pair up without
 * reordering anything in memory (see arm_dsp.h). */

/* s[r] += dot(row r, x + in_offset) for rows w, w + accum, ... (n_rows <= 4). */
static void fc_rows(const fc_params *p, const int8_t *x, const int8_t *w, uint32_t s[4])
{
    const uint32_t off2 = dsp_dup16(p->in_offset);
    const int8_t *w0 = w, *w1 = w + p->accum, *w2 = w1 + p->accum, *w3 = w2 + p->accum;
    uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    uint32_t n = p->accum;
    for (; n >= 4u; n -= 4u, x += 4, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
        const uint32_t xv = dsp_rd32(x);
        const uint32_t xe = dsp_sadd16(dsp_sxtb16(xv), off2), xo = dsp_sadd16(dsp_sxtb16_ror8(xv), off2);
        uint32_t f = dsp_rd32(w0);
        s0 = dsp_smlad(dsp_sxtb16(f), xe, dsp_smlad(dsp_sxtb16_ror8(f), xo, s0));
        f = dsp_rd32(w1);
        s1 = dsp_smlad(dsp_sxtb16(f), xe, dsp_smlad(dsp_sxtb16_ror8(f), xo, s1));
        f = dsp_rd32(w2);
        s2 = dsp_smlad(dsp_sxtb16(f), xe, dsp_smlad(dsp_sxtb16_ror8(f), xo, s2));
        f = dsp_rd32(w3);
        s3 = dsp_smlad(dsp_sxtb16(f), xe, dsp_smlad(dsp_sxtb16_ror8(f), xo, s3));
    }
    for (; n > 0u; n--) {
        const int32_t v = (int32_t)*x++ + p->in_offset;
        s0 += (uint32_t)(*w0++ * v);
        s1 += (uint32_t)(*w1++ * v);
        s2 += (uint32_t)(*w2++ * v);
        s3 += (uint32_t)(*w3++ * v);
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

/* One row (the 1-3 rows left over after the blocks of four). */
static uint32_t fc_row1(const fc_params *p, const int8_t *x, const int8_t *w)
{
    const uint32_t off2 = dsp_dup16(p->in_offset);
    uint32_t s = 0;
    uint32_t n = p->accum;
    for (; n >= 4u; n -= 4u, x += 4, w += 4) {
        const uint32_t xv = dsp_rd32(x), f = dsp_rd32(w);
        s = dsp_smlad(dsp_sxtb16(f), dsp_sadd16(dsp_sxtb16(xv), off2), s);
        s = dsp_smlad(dsp_sxtb16_ror8(f), dsp_sadd16(dsp_sxtb16_ror8(xv), off2), s);
    }
    for (; n > 0u; n--) {
        s += (uint32_t)(*w++ * ((int32_t)*x++ + p->in_offset));
    }
    return s;
}

static int8_t fc_out(const fc_params *p, uint32_t sum, const int32_t *bias, uint32_t oc)
{
    const uint32_t acc = sum + (bias != NULL ? (uint32_t)bias[oc] : 0u);
    if (p->chan.mult != NULL) {
        return k_requant(acc, p->chan.mult[oc], p->chan.shift[oc], p->out_offset, p->act_min, p->act_max);
    }
    return k_requant(acc, p->mult, p->shift, p->out_offset, p->act_min, p->act_max);
}

/* Rows in blocks of four, then one at a time. */
static int fc_dsp_eval(const eng_op *op, uint8_t *const *tdata)
{
    const fc_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const int32_t *bias = op->in[2] == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[op->in[2]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (uint32_t b = 0; b < p->batches; b++, out += p->depth) {
        const int8_t *x = in + b * p->accum;
        for (uint32_t oc = 0; oc < p->depth; oc += 4u) {
            const uint32_t n = p->depth - oc < 4u ? p->depth - oc : 4u;
            uint32_t s[4] = {0, 0, 0, 0};
            if (n == 4u) {
                fc_rows(p, x, w + oc * p->accum, s);
            } else {
                for (uint32_t r = 0; r < n; r++) {
                    s[r] = fc_row1(p, x, w + (oc + r) * p->accum);
                }
            }
            for (uint32_t r = 0; r < n; r++) {
                out[oc + r] = fc_out(p, s[r], bias, oc + r);
            }
        }
    }
    return ENGINE_OK;
}
#endif

static int fc_check(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out)
{
    int r = k_weighted_tensors16(c, ov, in, w, out, "needs an input and a weights tensor");
    if (r != ENGINE_OK) {
        return r;
    }
    if (w->ndims != 2u || out->ndims < 1u || out->dims[out->ndims - 1u] != w->dims[0]) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "weights must be [out_depth, in_depth] matching the output");
    }
    const uint32_t depth = (uint32_t)w->dims[0];
    const uint32_t accum = (uint32_t)w->dims[1];
    if ((uint64_t)(out->elems / depth) * accum != in->elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input size is not batches x in_depth");
    }
    return in->type == T_INT16 ? ENGINE_OK : k_bias(c, ov, depth);
}

int k_prep_fc(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, w, out;
    uint8_t act, fmt;
    int r = fc_check(c, ov, &in, &w, &out);
    if (r != ENGINE_OK || (r = k_opt_u8(c, ov, FC_ACTIVATION, 0, &act)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, FC_WEIGHTS_FORMAT, 0, &fmt)) != ENGINE_OK) {
        return r;
    }
    if (fmt != 0u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "shuffled weights format");
    }
    fc_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->depth = (uint32_t)w.dims[0];
    p->accum = (uint32_t)w.dims[1];
    p->batches = out.elems / p->depth;
    p->in_offset = -in.zero_point;
    p->out_offset = out.zero_point;
    if ((r = ld_act_range(c, ov, act, &out, &p->act_min, &p->act_max)) != ENGINE_OK) {
        return r;
    }
    if (w.scales.n > 1u) {
        /* TFLM's per-channel path ignores the weights' zero points. */
        r = k_chan_multipliers(c, ov, &in, &w, &out, p->depth, &p->chan);
    } else {
        if (w.scales.n != 1u || !q_scale_ok(w.scale) || w.zero_point < -128 || w.zero_point > 127) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "weights need a positive scale");
        }
        p->filter_offset = -w.zero_point;
        const double m = (double)in.scale * (double)w.scale / (double)out.scale;
        int s;
        r = ld_multiplier(c, ov, m, &p->mult, &s);
        p->shift = (int16_t)s;
    }
    op->eval = fc_eval;
    if (in.type == T_INT16) {
        op->eval = fc16_eval;
        op->params = p;
        return r != ENGINE_OK ? r : k_bias16(c, ov, p->depth, FC_QUANTIZED_BIAS_TYPE, &p->acc64);
    }
#if ENGINE_KERNELS_DSP
    if (p->filter_offset == 0) {
        op->eval = fc_dsp_eval;
    }
#endif
    op->params = p;
    return r;
}
