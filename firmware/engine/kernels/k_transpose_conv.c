/* TRANSPOSE_CONV, int8 input and output, int8 weights [OC, KH, KW, IC]
 * (per-tensor or per-channel), optional int32 bias, fused activation.
 *
 * TFLM scatters every input pixel into an int32 scratch image of the whole
 * output; the engine gathers instead: output (y, x) receives input (iy, ix)
 * through filter tap (ky, kx) when y + pad - ky = iy * stride (same for x).
 * Both sum the same products, and the int32 sums are exact (wrapping, if
 * ever, alike), so the results are identical without the scratch buffer.
 * The padding is TFLM's: the one a forward convolution from the output size
 * to the input size would use (ComputePaddingHeightWidth on the output). */
#include "k_common.h"
#include "../quant.h"

enum { TC_PADDING = 0, TC_STRIDE_W = 1, TC_STRIDE_H = 2, TC_ACT = 3 };

typedef struct {
    int32_t n, ih, iw, ic, oh, ow, oc, kh, kw;
    int32_t sh, sw, ph, pw;
    int32_t in_off, out_off, act_min, act_max;
    uint16_t bias; /* tensor index or ENG_NO_TENSOR */
    k_chan_q q;
} tconv_params;

/* Sum over the filter taps and input channels that reach output (y, x, o). */
static int32_t tconv_acc(const tconv_params *p, const int8_t *in, const int8_t *w, int32_t y, int32_t x, int32_t o)
{
    k_acc_t acc = 0;
    for (int32_t ky = 0; ky < p->kh; ky++) {
        const int32_t ty = y + p->ph - ky;
        if (ty < 0 || ty % p->sh != 0 || ty / p->sh >= p->ih) {
            continue;
        }
        for (int32_t kx = 0; kx < p->kw; kx++) {
            const int32_t tx = x + p->pw - kx;
            if (tx < 0 || tx % p->sw != 0 || tx / p->sw >= p->iw) {
                continue;
            }
            const int8_t *px = in + ((size_t)(ty / p->sh) * (size_t)p->iw + (size_t)(tx / p->sw)) * (size_t)p->ic;
            const int8_t *f = w + (((size_t)o * (size_t)p->kh + (size_t)ky) * (size_t)p->kw + (size_t)kx) * (size_t)p->ic;
            for (int32_t c = 0; c < p->ic; c++) {
                acc = k_mac(acc, px[c] + p->in_off, f[c]);
            }
        }
    }
    return (int32_t)acc;
}

static int tconv_eval(const eng_op *op, uint8_t *const *tdata)
{
    const tconv_params *p = op->params;
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const int32_t *bias = p->bias == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[p->bias];
    int8_t *out = (int8_t *)tdata[op->out];
    for (int32_t b = 0; b < p->n; b++) {
        const int8_t *in = (const int8_t *)tdata[op->in[2]] + (size_t)b * (size_t)p->ih * (size_t)p->iw * (size_t)p->ic;
        for (int32_t y = 0; y < p->oh; y++) {
            for (int32_t x = 0; x < p->ow; x++) {
                for (int32_t o = 0; o < p->oc; o++) {
                    const int32_t acc = k_acc((k_acc_t)tconv_acc(p, in, w, y, x, o), bias, (uint32_t)o);
                    const int32_t v = q_mul(acc, p->q.mult[o], p->q.shift[o]) + p->out_off;
                    *out++ = (int8_t)k_clamp(v, p->act_min, p->act_max);
                }
            }
        }
    }
    return ENGINE_OK;
}

static int tconv_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out)
{
    int r;
    if (ov->n_in < 3u || ov->in[1] < 0 || ov->in[2] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs output shape, weights and input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[2], in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->in[1], w)) != ENGINE_OK || (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, in, T_INT8)) != ENGINE_OK || (r = ld_need_type(c, ov, w, T_INT8)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, out, T_INT8)) != ENGINE_OK || (r = ld_need_quant(c, ov, in)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, out)) != ENGINE_OK || (r = ld_need_const(c, ov, w)) != ENGINE_OK) {
        return r;
    }
    if (in->ndims != 4u || w->ndims != 4u || out->ndims != 4u || in->dims[0] != out->dims[0] ||
        w->dims[3] != in->dims[3] || w->dims[0] != out->dims[3] || in->dims[1] >= K_MAX_SPATIAL ||
        in->dims[2] >= K_MAX_SPATIAL || out->dims[1] >= K_MAX_SPATIAL || out->dims[2] >= K_MAX_SPATIAL) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input, weight and output shapes do not agree");
    }
    const int32_t *shape = k_const_i32(c, ov, ov->in[0], 4u, &r);
    if (shape == NULL) {
        return r;
    }
    for (uint32_t k = 0; k < 4u; k++) {
        if (shape[k] != out->dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output_shape differs from the output tensor");
        }
    }
    return ENGINE_OK;
}

/* The optional bias (input 3): constant int32 with one value per channel. */
static int tconv_bias(ld_ctx *c, const op_view *ov, int32_t n, uint16_t *idx)
{
    const int32_t b = ld_op_in(c, ov, 3);
    tview t;
    int r;
    *idx = ENG_NO_TENSOR;
    if (b < 0) {
        return ENGINE_OK;
    }
    if ((r = ld_tensor(c, (uint32_t)b, &t)) != ENGINE_OK || (r = ld_need_type(c, ov, &t, T_INT32)) != ENGINE_OK ||
        (r = ld_need_const(c, ov, &t)) != ENGINE_OK) {
        return r;
    }
    if (t.elems != (uint32_t)n) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "bias size differs from the output channels");
    }
    *idx = (uint16_t)b;
    return ENGINE_OK;
}

int k_prep_transpose_conv(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, w, out;
    uint8_t padding, act;
    int32_t sw, sh;
    int r;
    if ((r = tconv_tensors(c, ov, &in, &w, &out)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, TC_PADDING, 0, &padding)) != ENGINE_OK || (r = k_opt_i32(c, ov, TC_STRIDE_W, 0, &sw)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, TC_STRIDE_H, 0, &sh)) != ENGINE_OK || (r = k_opt_u8(c, ov, TC_ACT, 0, &act)) != ENGINE_OK) {
        return r;
    }
    tconv_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = in.dims[0];
    p->ih = in.dims[1];
    p->iw = in.dims[2];
    p->ic = in.dims[3];
    p->oh = out.dims[1];
    p->ow = out.dims[2];
    p->oc = out.dims[3];
    p->kh = w.dims[1];
    p->kw = w.dims[2];
    p->sh = sh;
    p->sw = sw;
    if (ld_out_size(padding, p->oh, p->kh, sh, 1, &p->ph) < 0 || ld_out_size(padding, p->ow, p->kw, sw, 1, &p->pw) < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "invalid padding, stride or filter size");
    }
    p->in_off = -in.zero_point;
    p->out_off = out.zero_point;
    if ((r = tconv_bias(c, ov, p->oc, &p->bias)) != ENGINE_OK ||
        (r = k_chan_multipliers(c, ov, &in, &w, &out, (uint32_t)p->oc, &p->q)) != ENGINE_OK ||
        (r = ld_act_range(c, ov, act, &out, &p->act_min, &p->act_max)) != ENGINE_OK) {
        return r;
    }
    op->in[0] = ENG_NO_TENSOR; /* output_shape was read at load time */
    op->eval = tconv_eval;
    op->params = p;
    return ENGINE_OK;
}
