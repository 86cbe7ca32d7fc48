/* float32 FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D: TFLM's
 * reference_ops float loops, weights and bias float32 (no hybrid int8
 * weights: TFLM Micro has none either).
 *
 * Order (see k_float.h): every output starts from total = 0.0f, adds
 * input * filter in TFLM's loop order (FC: along the row; CONV_2D: filter
 * row, filter column, input channel, skipping taps outside the image;
 * DEPTHWISE: filter row, filter column), then adds the bias (0.0f when
 * absent) and clamps. */
#include "k_float.h"

enum { FC_ACTIVATION = 0, FC_WEIGHTS_FORMAT = 1 };
enum { CONV_PADDING = 0, CONV_STRIDE_W = 1, CONV_STRIDE_H = 2, CONV_ACT = 3, CONV_DIL_W = 4, CONV_DIL_H = 5 };
enum { DW_PADDING = 0, DW_STRIDE_W = 1, DW_STRIDE_H = 2, DW_MULT = 3, DW_ACT = 4, DW_DIL_W = 5, DW_DIL_H = 6 };

typedef struct {
    uint32_t batches, depth, accum;
    kf_range act;
} kfc_params;

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, f_in_c, per_group, depth_mult;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    kf_range act;
} kconv_params;

static float bias_at(const float *bias, uint32_t i)
{
    return bias != NULL ? bias[i] : 0.0f;
}

static int fc_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kfc_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    const float *w = kf_in(tdata, op->in[1]);
    const float *bias = op->in[2] == ENG_NO_TENSOR ? NULL : kf_in(tdata, op->in[2]);
    float *out = kf_out(tdata, op->out);
    for (uint32_t b = 0; b < p->batches; b++) {
        const float *x = in + b * p->accum;
        for (uint32_t oc = 0; oc < p->depth; oc++) {
            const float *f = w + oc * p->accum;
            float total = 0.0f;
            for (uint32_t d = 0; d < p->accum; d++) {
                total += x[d] * f[d];
            }
            out[b * p->depth + oc] = kf_clamp(total + bias_at(bias, oc), p->act);
        }
    }
    return ENGINE_OK;
}

static int conv_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kconv_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    const float *w = kf_in(tdata, op->in[1]);
    const float *bias = op->in[2] == ENG_NO_TENSOR ? NULL : kf_in(tdata, op->in[2]);
    float *out = kf_out(tdata, op->out);
    const int32_t k_len = p->k_h * p->k_w * p->f_in_c;
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < p->out_c; oc++) {
                    const int32_t c0 = (oc / p->per_group) * p->f_in_c;
                    const float *f = w + oc * k_len;
                    float total = 0.0f;
                    for (int32_t ky = 0; ky < p->k_h; ky++) {
                        const int32_t iy = y0 + p->dil_h * ky;
                        for (int32_t kx = 0; kx < p->k_w; kx++) {
                            const int32_t ix = x0 + p->dil_w * kx;
                            if (ix < 0 || ix >= p->in_w || iy < 0 || iy >= p->in_h) {
                                continue;
                            }
                            const float *xp = in + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c + c0;
                            const float *fp = f + (ky * p->k_w + kx) * p->f_in_c;
                            for (int32_t ic = 0; ic < p->f_in_c; ic++) {
                                total += xp[ic] * fp[ic];
                            }
                        }
                    }
                    out[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        kf_clamp(total + bias_at(bias, (uint32_t)oc), p->act);
                }
            }
        }
    }
    return ENGINE_OK;
}

static int dw_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kconv_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    const float *w = kf_in(tdata, op->in[1]);
    const float *bias = op->in[2] == ENG_NO_TENSOR ? NULL : kf_in(tdata, op->in[2]);
    float *out = kf_out(tdata, op->out);
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t ic = 0; ic < p->in_c; ic++) {
                    for (int32_t m = 0; m < p->depth_mult; m++) {
                        const int32_t oc = m + ic * p->depth_mult;
                        float total = 0.0f;
                        for (int32_t ky = 0; ky < p->k_h; ky++) {
                            const int32_t iy = y0 + p->dil_h * ky;
                            for (int32_t kx = 0; kx < p->k_w; kx++) {
                                const int32_t ix = x0 + p->dil_w * kx;
                                if (ix >= 0 && ix < p->in_w && iy >= 0 && iy < p->in_h) {
                                    total += in[((b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic] *
                                             w[(ky * p->k_w + kx) * p->out_c + oc];
                                }
                            }
                        }
                        out[((b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                            kf_clamp(total + bias_at(bias, (uint32_t)oc), p->act);
                    }
                }
            }
        }
    }
    return ENGINE_OK;
}

/* Input, constant weights, optional constant bias of n elements, output: all
 * float32. */
static int weighted(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out)
{
    int r;
    if (ov->n_in < 2u || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs an input and weights");
    }
    if ((r = kf_tensor(c, ov, ov->in[0], in)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->in[1], w)) != ENGINE_OK ||
        (r = kf_tensor(c, ov, ov->out, out)) != ENGINE_OK || (r = ld_need_const(c, ov, w)) != ENGINE_OK) {
        return r;
    }
    return ENGINE_OK;
}

static int bias_ok(ld_ctx *c, const op_view *ov, uint32_t n)
{
    if (ov->in[2] < 0) {
        return ENGINE_OK;
    }
    tview b;
    int r;
    if ((r = kf_tensor(c, ov, ov->in[2], &b)) != ENGINE_OK || (r = ld_need_const(c, ov, &b)) != ENGINE_OK) {
        return r;
    }
    return b.elems == n ? ENGINE_OK : ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "bias size differs from the output channels");
}

int kf_prep_fc(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, w, out;
    uint8_t act, fmt;
    int r = weighted(c, ov, &in, &w, &out);
    if (r != ENGINE_OK || (r = k_opt_u8(c, ov, FC_ACTIVATION, 0, &act)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, FC_WEIGHTS_FORMAT, 0, &fmt)) != ENGINE_OK) {
        return r;
    }
    if (fmt != 0u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "shuffled weights format");
    }
    if (w.ndims < 2u || out.ndims < 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "weights must be 2-D");
    }
    kfc_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->depth = (uint32_t)w.dims[w.ndims - 2u];
    p->accum = (uint32_t)w.dims[w.ndims - 1u];
    if ((uint32_t)out.dims[out.ndims - 1u] != p->depth || w.elems != p->depth * p->accum) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "weights do not match the output depth");
    }
    p->batches = out.elems / p->depth;
    if ((uint64_t)p->batches * p->accum != in.elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input size is not batches x weight columns");
    }
    if ((r = bias_ok(c, ov, p->depth)) != ENGINE_OK || (r = kf_act_range(c, ov, act, &p->act)) != ENGINE_OK) {
        return r;
    }
    op->eval = fc_eval;
    op->params = p;
    return ENGINE_OK;
}

/* Shapes, options (ids: padding, stride w/h, dilation w/h) and geometry. */
static int conv_common(ld_ctx *c, const op_view *ov, const unsigned ids[5], unsigned act_id, tview *w,
                       kconv_params **pp)
{
    tview in, out;
    uint8_t padding, act;
    int r = weighted(c, ov, &in, w, &out);
    if (r != ENGINE_OK || (r = k_opt_u8(c, ov, ids[0], 0, &padding)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, act_id, 0, &act)) != ENGINE_OK) {
        return r;
    }
    if (in.ndims != 4u || w->ndims != 4u || out.ndims != 4u || in.dims[0] != out.dims[0]) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input, filter and output must be 4-D");
    }
    kconv_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if ((r = k_opt_i32(c, ov, ids[1], 0, &p->stride_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[2], 0, &p->stride_h)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[3], 1, &p->dil_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[4], 1, &p->dil_h)) != ENGINE_OK || (r = kf_act_range(c, ov, act, &p->act)) != ENGINE_OK) {
        return r;
    }
    p->batches = in.dims[0];
    p->in_h = in.dims[1];
    p->in_w = in.dims[2];
    p->in_c = in.dims[3];
    p->out_h = out.dims[1];
    p->out_w = out.dims[2];
    p->out_c = out.dims[3];
    p->k_h = w->dims[1];
    p->k_w = w->dims[2];
    if (p->in_h > K_MAX_SPATIAL || p->in_w > K_MAX_SPATIAL || (int64_t)(p->k_h - 1) * p->dil_h >= K_MAX_SPATIAL ||
        (int64_t)(p->k_w - 1) * p->dil_w >= K_MAX_SPATIAL) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "image or dilated filter larger than 2^24");
    }
    int32_t oh = ld_out_size(padding, p->in_h, p->k_h, p->stride_h, p->dil_h, &p->pad_h);
    int32_t ow = ld_out_size(padding, p->in_w, p->k_w, p->stride_w, p->dil_w, &p->pad_w);
    if (oh < 0 || ow < 0 || oh != p->out_h || ow != p->out_w) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output size does not match the padding arithmetic");
    }
    if ((r = bias_ok(c, ov, (uint32_t)p->out_c)) != ENGINE_OK) {
        return r;
    }
    *pp = p;
    return ENGINE_OK;
}

int kf_prep_conv(ld_ctx *c, const op_view *ov, eng_op *op)
{
    static const unsigned ids[5] = {CONV_PADDING, CONV_STRIDE_W, CONV_STRIDE_H, CONV_DIL_W, CONV_DIL_H};
    tview w;
    kconv_params *p = NULL;
    int r = conv_common(c, ov, ids, CONV_ACT, &w, &p);
    if (r != ENGINE_OK) {
        return r;
    }
    p->f_in_c = w.dims[3];
    if (w.dims[0] != p->out_c || p->in_c % p->f_in_c != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "filter shape does not match the input and output");
    }
    const int32_t groups = p->in_c / p->f_in_c;
    if (p->out_c % groups != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output channels not divisible by the groups");
    }
    p->per_group = p->out_c / groups;
    op->eval = conv_eval;
    op->params = p;
    return ENGINE_OK;
}

int kf_prep_dwconv(ld_ctx *c, const op_view *ov, eng_op *op)
{
    static const unsigned ids[5] = {DW_PADDING, DW_STRIDE_W, DW_STRIDE_H, DW_DIL_W, DW_DIL_H};
    tview w;
    kconv_params *p = NULL;
    int32_t dm_opt;
    int r = conv_common(c, ov, ids, DW_ACT, &w, &p);
    if (r != ENGINE_OK || (r = k_opt_i32(c, ov, DW_MULT, 0, &dm_opt)) != ENGINE_OK) {
        return r;
    }
    if (w.dims[0] != 1 || w.dims[3] != p->out_c || p->out_c % p->in_c != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "filter shape does not match the input and output");
    }
    p->depth_mult = p->out_c / p->in_c;
    if (dm_opt != 0 && dm_opt != p->depth_mult) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "depth_multiplier disagrees with the shapes");
    }
    op->eval = dw_eval;
    op->params = p;
    return ENGINE_OK;
}
