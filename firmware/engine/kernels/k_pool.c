/* AVERAGE_POOL_2D and MAX_POOL_2D, int8 NHWC. As in TFLM, the window is
 * clipped to the image (padding cells are not counted), the average is
 * rounded half away from zero by an integer division per output, and the
 * fused activation clamps the result. Input and output share quantization
 * (no rescaling is done, like TFLM). 16x8: the same on int16 (the maximum
 * starts from -32768; windows are limited to 2^16 cells so the int32 sum,
 * TFLM's accumulator too, cannot overflow). */
#include "k_common.h"

enum { POOL_PADDING = 0, POOL_STRIDE_W = 1, POOL_STRIDE_H = 2, POOL_FILTER_W = 3, POOL_FILTER_H = 4, POOL_ACT = 5 };

typedef struct {
    int32_t batches, in_h, in_w, ch, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
    uint8_t is_max, wide;
} pool_params;

static int32_t pool_one(const pool_params *p, const uint8_t *img8, int32_t iy0, int32_t ix0, int32_t ch)
{
    const int8_t *img = (const int8_t *)img8;
    const int16_t *img16 = (const int16_t *)(const void *)img8;
    const int32_t fy0 = iy0 < 0 ? -iy0 : 0;
    const int32_t fx0 = ix0 < 0 ? -ix0 : 0;
    const int32_t fy1 = p->k_h < p->in_h - iy0 ? p->k_h : p->in_h - iy0;
    const int32_t fx1 = p->k_w < p->in_w - ix0 ? p->k_w : p->in_w - ix0;
    int32_t acc = p->is_max ? (p->wide ? -32768 : -128) : 0;
    int32_t count = 0;
    for (int32_t fy = fy0; fy < fy1; fy++) {
        const int32_t row = ((iy0 + fy) * p->in_w + ix0) * p->ch + ch;
        for (int32_t fx = fx0; fx < fx1; fx++) {
            const int32_t v = p->wide ? img16[row + fx * p->ch] : img[row + fx * p->ch];
            if (p->is_max) {
                acc = v > acc ? v : acc;
            } else {
                acc += v;
            }
            count++;
        }
    }
    if (!p->is_max && count > 0) {
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    }
    return k_clamp(acc, p->act_min, p->act_max);
}

static int pool_eval(const eng_op *op, uint8_t *const *tdata)
{
    const pool_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    int8_t *out = (int8_t *)tdata[op->out];
    int16_t *out16 = (int16_t *)(void *)tdata[op->out];
    const int32_t es = p->wide ? 2 : 1;
    for (int32_t b = 0; b < p->batches; b++) {
        const uint8_t *img = in + b * p->in_h * p->in_w * p->ch * es;
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                const int32_t iy0 = oy * p->stride_h - p->pad_h;
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                for (int32_t ch = 0; ch < p->ch; ch++) {
                    const int32_t v = pool_one(p, img, iy0, ix0, ch);
                    if (p->wide) {
                        *out16++ = (int16_t)v;
                    } else {
                        *out++ = (int8_t)v;
                    }
                }
            }
        }
    }
    return ENGINE_OK;
}

static int pool_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *out)
{
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, in, in->type == T_INT16 ? T_INT16 : T_INT8)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, out, in->type)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, out)) != ENGINE_OK) {
        return r;
    }
    if (in->ndims != 4u || out->ndims != 4u || in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3]) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output must be 4-D NHWC with equal channels");
    }
    return ENGINE_OK;
}

int k_prep_pool(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    uint8_t padding, act;
    int r = pool_tensors(c, ov, &in, &out);
    if (r != ENGINE_OK) {
        return r;
    }
    pool_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if ((r = k_opt_u8(c, ov, POOL_PADDING, 0, &padding)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_STRIDE_W, 0, &p->stride_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_STRIDE_H, 0, &p->stride_h)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_FILTER_W, 0, &p->k_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_FILTER_H, 0, &p->k_h)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, POOL_ACT, 0, &act)) != ENGINE_OK ||
        (r = ld_act_range(c, ov, act, &out, &p->act_min, &p->act_max)) != ENGINE_OK) {
        return r;
    }
    p->batches = in.dims[0];
    p->in_h = in.dims[1];
    p->in_w = in.dims[2];
    p->ch = in.dims[3];
    p->out_h = out.dims[1];
    p->out_w = out.dims[2];
    p->is_max = ov->code == OP_MAX_POOL_2D;
    p->wide = in.type == T_INT16;
    /* Bounded window and image keep the int32 sums and indices exact. */
    if (p->in_h > K_MAX_SPATIAL || p->in_w > K_MAX_SPATIAL || p->k_h < 1 || p->k_w < 1 ||
        (int64_t)p->k_h * p->k_w > (p->wide ? 65536 : K_MAX_SPATIAL)) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "pooling window or image too large");
    }
    int32_t oh = ld_out_size(padding, p->in_h, p->k_h, p->stride_h, 1, &p->pad_h);
    int32_t ow = ld_out_size(padding, p->in_w, p->k_w, p->stride_w, 1, &p->pad_w);
    if (oh < 0 || ow < 0 || oh != p->out_h || ow != p->out_w) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "window, stride or padding does not match the output size");
    }
    op->eval = pool_eval;
    op->params = p;
    return ENGINE_OK;
}
