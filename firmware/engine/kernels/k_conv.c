/* CONV_2D (with groups) and DEPTHWISE_CONV_2D: int8 NHWC activations,
 * int8 weights quantized per channel or per tensor (the single scale is then
 * broadcast), int32 bias, SAME/VALID padding, strides, dilation.
 *
 * As in TFLM's reference kernels, taps that fall into the padding are
 * skipped (equivalent to padding with the input zero point), the input
 * offset -zp_in is added to each input value before the multiply (weights
 * are symmetric, zero point 0), and each output channel is requantized with
 * its own multiplier and shift. */
#include "k_conv.h"

#include "../quant.h"

enum { CONV_PADDING = 0, CONV_STRIDE_W = 1, CONV_STRIDE_H = 2, CONV_ACT = 3, CONV_DIL_W = 4, CONV_DIL_H = 5,
       CONV_QUANTIZED_BIAS_TYPE = 6 };
enum { DW_PADDING = 0, DW_STRIDE_W = 1, DW_STRIDE_H = 2, DW_MULT = 3, DW_ACT = 4, DW_DIL_W = 5, DW_DIL_H = 6 };


static int8_t requant(const conv_params *p, int32_t acc, int32_t oc)
{
    acc = q_mul(acc, p->q.mult[oc], p->q.shift[oc]);
    return (int8_t)k_clamp(acc + p->out_offset, p->act_min, p->act_max);
}

/* One output pixel of a (grouped) convolution: all output channels. */
static void conv_pixel(const conv_params *p, const int8_t *in_img, const int8_t *w, const int32_t *bias,
                       int32_t iy0, int32_t ix0, int8_t *out)
{
    const int32_t per_group = p->out_c / p->groups;
    for (int32_t gi = 0; gi < p->groups; gi++) {
        const int8_t *in_g = in_img + gi * p->f_in_c;
        for (int32_t oc = gi * per_group; oc < (gi + 1) * per_group; oc++) {
            k_acc_t acc = 0;
            for (int32_t ky = 0; ky < p->k_h; ky++) {
                const int32_t iy = iy0 + p->dil_h * ky;
                if (iy < 0 || iy >= p->in_h) {
                    continue;
                }
                for (int32_t kx = 0; kx < p->k_w; kx++) {
                    const int32_t ix = ix0 + p->dil_w * kx;
                    if (ix < 0 || ix >= p->in_w) {
                        continue;
                    }
                    const int8_t *x = in_g + (iy * p->in_w + ix) * p->in_c;
                    const int8_t *f = w + ((oc * p->k_h + ky) * p->k_w + kx) * p->f_in_c;
                    for (int32_t ic = 0; ic < p->f_in_c; ic++) {
                        acc = k_mac(acc, f[ic], (int32_t)x[ic] + p->in_offset);
                    }
                }
            }
            out[oc] = requant(p, k_acc(acc, bias, (uint32_t)oc), oc);
        }
    }
}

/* One output pixel of a depthwise convolution: all output channels. */
static void dw_pixel(const conv_params *p, const int8_t *in_img, const int8_t *w, const int32_t *bias,
                     int32_t iy0, int32_t ix0, int8_t *out)
{
    for (int32_t ic = 0; ic < p->in_c; ic++) {
        for (int32_t m = 0; m < p->depth_mult; m++) {
            const int32_t oc = ic * p->depth_mult + m;
            k_acc_t acc = 0;
            for (int32_t ky = 0; ky < p->k_h; ky++) {
                const int32_t iy = iy0 + p->dil_h * ky;
                if (iy < 0 || iy >= p->in_h) {
                    continue;
                }
                for (int32_t kx = 0; kx < p->k_w; kx++) {
                    const int32_t ix = ix0 + p->dil_w * kx;
                    if (ix < 0 || ix >= p->in_w) {
                        continue;
                    }
                    const int32_t x = in_img[(iy * p->in_w + ix) * p->in_c + ic];
                    acc = k_mac(acc, w[(ky * p->k_w + kx) * p->out_c + oc], x + p->in_offset);
                }
            }
            out[oc] = requant(p, k_acc(acc, bias, (uint32_t)oc), oc);
        }
    }
}

/* 16x8 (TFLM's int16 ConvPerChannel / DepthwiseConvPerChannel): the sum
 * of weight x input with no input offset and no output offset (TFLM's
 * int16 kernels read neither; the loader refuses nonzero zero points so
 * nothing is silently dropped), in int64 with an int64 bias and the int64
 * requantization (multiplier rounded to 16 bits), or in int32 with an int32
 * bias (CONV_2D only). */
static int16_t requant16(const conv_params *p, int64_t acc64, k_acc_t acc32, const void *bias, int32_t oc)
{
    int32_t v;
    if (p->acc64) {
        if (bias != NULL) {
            acc64 = q_add64(acc64, k_i64(bias, (uint32_t)oc));
        }
        v = q_mul64(acc64, p->q.mult[oc], p->q.shift[oc]);
    } else {
        v = q_mul(k_acc(acc32, (const int32_t *)bias, (uint32_t)oc), p->q.mult[oc], p->q.shift[oc]);
    }
    return (int16_t)k_clamp(v, p->act_min, p->act_max);
}

static void conv_pixel16(const conv_params *p, const int16_t *in_img, const int8_t *w, const void *bias,
                         int32_t iy0, int32_t ix0, int16_t *out)
{
    const int32_t per_group = p->out_c / p->groups;
    for (int32_t oc = 0; oc < p->out_c; oc++) {
        const int16_t *in_g = in_img + (oc / per_group) * p->f_in_c;
        int64_t a64 = 0;
        k_acc_t a32 = 0;
        for (int32_t ky = 0; ky < p->k_h; ky++) {
            const int32_t iy = iy0 + p->dil_h * ky;
            if (iy < 0 || iy >= p->in_h) {
                continue;
            }
            for (int32_t kx = 0; kx < p->k_w; kx++) {
                const int32_t ix = ix0 + p->dil_w * kx;
                if (ix < 0 || ix >= p->in_w) {
                    continue;
                }
                const int16_t *x = in_g + (iy * p->in_w + ix) * p->in_c;
                const int8_t *f = w + ((oc * p->k_h + ky) * p->k_w + kx) * p->f_in_c;
                for (int32_t ic = 0; ic < p->f_in_c; ic++) {
                    const int32_t prod = (int32_t)f[ic] * (int32_t)x[ic]; /* < 2^22 */
                    a64 += prod;
                    a32 += (uint32_t)prod;
                }
            }
        }
        out[oc] = requant16(p, a64, a32, bias, oc);
    }
}

static void dw_pixel16(const conv_params *p, const int16_t *in_img, const int8_t *w, const void *bias,
                       int32_t iy0, int32_t ix0, int16_t *out)
{
    for (int32_t oc = 0; oc < p->out_c; oc++) {
        const int32_t ic = oc / p->depth_mult;
        int64_t a64 = 0;
        for (int32_t ky = 0; ky < p->k_h; ky++) {
            const int32_t iy = iy0 + p->dil_h * ky;
            if (iy < 0 || iy >= p->in_h) {
                continue;
            }
            for (int32_t kx = 0; kx < p->k_w; kx++) {
                const int32_t ix = ix0 + p->dil_w * kx;
                if (ix < 0 || ix >= p->in_w) {
                    continue;
                }
                a64 += (int32_t)w[(ky * p->k_w + kx) * p->out_c + oc] * (int32_t)in_img[(iy * p->in_w + ix) * p->in_c + ic];
            }
        }
        out[oc] = requant16(p, a64, 0u, bias, oc);
    }
}

typedef void (*pixel16_fn)(const conv_params *, const int16_t *, const int8_t *, const void *, int32_t, int32_t,
                           int16_t *);

static void run16(const eng_op *op, uint8_t *const *tdata, pixel16_fn pixel)
{
    const conv_params *p = op->params;
    const int16_t *in = (const int16_t *)(const void *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const void *bias = op->in[2] == ENG_NO_TENSOR ? NULL : tdata[op->in[2]];
    int16_t *out = (int16_t *)(void *)tdata[op->out];
    for (int32_t b = 0; b < p->batches; b++) {
        const int16_t *in_img = in + b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                pixel(p, in_img, w, bias, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, out);
                out += p->out_c;
            }
        }
    }
}

static int conv16_eval(const eng_op *op, uint8_t *const *tdata)
{
    run16(op, tdata, conv_pixel16);
    return ENGINE_OK;
}

static int dw16_eval(const eng_op *op, uint8_t *const *tdata)
{
    run16(op, tdata, dw_pixel16);
    return ENGINE_OK;
}

typedef void (*pixel_fn)(const conv_params *, const int8_t *, const int8_t *, const int32_t *, int32_t, int32_t,
                         int8_t *);

static void run(const eng_op *op, uint8_t *const *tdata, pixel_fn pixel)
{
    const conv_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const int32_t *bias = op->in[2] == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[op->in[2]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *in_img = in + b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                pixel(p, in_img, w, bias, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, out);
                out += p->out_c;
            }
        }
    }
}

static int conv_eval(const eng_op *op, uint8_t *const *tdata)
{
    run(op, tdata, conv_pixel);
    return ENGINE_OK;
}

static int dw_eval(const eng_op *op, uint8_t *const *tdata)
{
    run(op, tdata, dw_pixel);
    return ENGINE_OK;
}

/* Shared checks: 4-D int8 input/output, constant int8 weights. */
static int conv_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out)
{
    int r = k_weighted_tensors16(c, ov, in, w, out, "needs an input and a filter tensor");
    if (r != ENGINE_OK) {
        return r;
    }
    if (in->ndims != 4u || w->ndims != 4u || out->ndims != 4u || in->dims[0] != out->dims[0]) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input, filter and output must be 4-D NHWC");
    }
    return ENGINE_OK;
}

/* Geometry common to both: padding, strides, dilation, output size check. */
static int conv_geometry(ld_ctx *c, const op_view *ov, const unsigned ids[5], const tview *in, const tview *out,
                         conv_params *p)
{
    uint8_t padding;
    int r;
    if ((r = k_opt_u8(c, ov, ids[0], 0, &padding)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[1], 0, &p->stride_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[2], 0, &p->stride_h)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[3], 1, &p->dil_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, ids[4], 1, &p->dil_h)) != ENGINE_OK) {
        return r;
    }
    p->batches = in->dims[0];
    p->in_h = in->dims[1];
    p->in_w = in->dims[2];
    p->in_c = in->dims[3];
    p->out_h = out->dims[1];
    p->out_w = out->dims[2];
    p->out_c = out->dims[3];
    if (p->in_h > K_MAX_SPATIAL || p->in_w > K_MAX_SPATIAL ||
        (int64_t)(p->k_h - 1) * p->dil_h >= K_MAX_SPATIAL || (int64_t)(p->k_w - 1) * p->dil_w >= K_MAX_SPATIAL) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "image or dilated filter larger than 2^24");
    }
    int32_t oh = ld_out_size(padding, p->in_h, p->k_h, p->stride_h, p->dil_h, &p->pad_h);
    int32_t ow = ld_out_size(padding, p->in_w, p->k_w, p->stride_w, p->dil_w, &p->pad_w);
    if (oh < 0 || ow < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "invalid padding, stride, dilation or filter size");
    }
    if (oh != p->out_h || ow != p->out_w) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output size does not match the padding arithmetic");
    }
    return ENGINE_OK;
}

static int conv_quant(ld_ctx *c, const op_view *ov, uint8_t act, const tview *in, const tview *w,
                      const tview *out, conv_params *p, int qbt_id)
{
    int r;
    p->in_offset = -in->zero_point;
    p->out_offset = out->zero_point;
    p->wide = in->type == T_INT16;
    if (p->wide && (in->zero_point != 0 || out->zero_point != 0)) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "16x8: input and output zero points must be 0");
    }
    if ((r = ld_act_range(c, ov, act, out, &p->act_min, &p->act_max)) != ENGINE_OK ||
        (r = p->wide ? k_bias16(c, ov, (uint32_t)p->out_c, qbt_id, &p->acc64) : k_bias(c, ov, (uint32_t)p->out_c)) !=
            ENGINE_OK) {
        return r;
    }
    return k_chan_multipliers(c, ov, in, w, out, (uint32_t)p->out_c, &p->q);
}

/* What CONV_2D and DEPTHWISE_CONV_2D share: tensors, fused activation, the
 * parameter block and the geometry (padding, strides, dilation) read from
 * the option ids[]. */
static int conv_prep_common(ld_ctx *c, const op_view *ov, const unsigned ids[5], unsigned act_id,
                            tview *in, tview *w, tview *out, uint8_t *act, conv_params **params)
{
    int r = conv_tensors(c, ov, in, w, out);
    if (r != ENGINE_OK || (r = k_opt_u8(c, ov, act_id, 0, act)) != ENGINE_OK) {
        return r;
    }
    conv_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->k_h = w->dims[1];
    p->k_w = w->dims[2];
    *params = p;
    return conv_geometry(c, ov, ids, in, out, p);
}

int k_prep_conv(ld_ctx *c, const op_view *ov, eng_op *op)
{
    static const unsigned ids[5] = {CONV_PADDING, CONV_STRIDE_W, CONV_STRIDE_H, CONV_DIL_W, CONV_DIL_H};
    tview in, w, out;
    uint8_t act;
    conv_params *p = NULL;
    int r = conv_prep_common(c, ov, ids, CONV_ACT, &in, &w, &out, &act, &p);
    if (r != ENGINE_OK) {
        return r;
    }
    p->f_in_c = w.dims[3];
    p->depth_mult = 1;
    if (w.dims[0] != p->out_c || p->f_in_c <= 0 || p->in_c % p->f_in_c != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "filter shape does not match the input and output");
    }
    p->groups = p->in_c / p->f_in_c;
    if (p->out_c % p->groups != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output channels not divisible by the groups");
    }
    op->eval = conv_eval;
    op->params = p;
    r = conv_quant(c, ov, act, &in, &w, &out, p, CONV_QUANTIZED_BIAS_TYPE);
    if (p->wide) {
        op->eval = conv16_eval;
        return r;
    }
#if ENGINE_KERNELS_DSP
    if (r == ENGINE_OK) {
        k_conv_dsp_select(c, p, op);
    }
#endif
    return r;
}

int k_prep_dwconv(ld_ctx *c, const op_view *ov, eng_op *op)
{
    static const unsigned ids[5] = {DW_PADDING, DW_STRIDE_W, DW_STRIDE_H, DW_DIL_W, DW_DIL_H};
    tview in, w, out;
    uint8_t act;
    conv_params *p = NULL;
    int r = conv_prep_common(c, ov, ids, DW_ACT, &in, &w, &out, &act, &p);
    if (r != ENGINE_OK) {
        return r;
    }
    p->groups = 1;
    /* TFLM derives the multiplier from the shapes; the option must agree. */
    int32_t dm_opt;
    if ((r = k_opt_i32(c, ov, DW_MULT, 0, &dm_opt)) != ENGINE_OK) {
        return r;
    }
    if (w.dims[0] != 1 || w.dims[3] != p->out_c || p->in_c <= 0 || p->out_c % p->in_c != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "filter shape does not match the input and output");
    }
    p->depth_mult = p->out_c / p->in_c;
    if (dm_opt != 0 && dm_opt != p->depth_mult) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "depth_multiplier disagrees with the shapes");
    }
    op->eval = dw_eval;
    op->params = p;
    r = conv_quant(c, ov, act, &in, &w, &out, p, -1);
    if (p->wide) {
        op->eval = dw16_eval;
        return r;
    }
#if ENGINE_KERNELS_DSP
    if (r == ENGINE_OK) {
        k_dwconv_dsp_select(c, p, op);
    }
#endif
    return r;
}
