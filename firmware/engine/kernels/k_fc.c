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

enum { FC_ACTIVATION = 0, FC_WEIGHTS_FORMAT = 1 };

typedef struct {
    uint32_t batches, depth, accum;
    int32_t in_offset, filter_offset, out_offset;
    int32_t act_min, act_max;
    int32_t mult;
    int shift;
    k_chan_q chan; /* per-channel multipliers, or NULL */
} fc_params;

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

static int fc_check(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out)
{
    int r = k_weighted_tensors(c, ov, in, w, out, "needs an input and a weights tensor");
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
    return k_bias(c, ov, depth);
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
        r = ld_multiplier(c, ov, m, &p->mult, &p->shift);
    }
    op->eval = fc_eval;
    op->params = p;
    return r;
}
