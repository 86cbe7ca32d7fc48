/* float32 AVERAGE_POOL_2D and MAX_POOL_2D (TFLM reference_ops float).
 *
 * Average: total = 0.0f plus the cells inside the image, row by row, then
 * divided by the count of those cells held as a float (TFLM's `float
 * filter_count`), then the fused activation. Max: starts at -FLT_MAX and
 * keeps max = (max < v) ? v : max (std::max), then the fused activation. */
#include "k_float.h"

#include <float.h>

enum { POOL_PADDING = 0, POOL_STRIDE_W = 1, POOL_STRIDE_H = 2, POOL_FILTER_W = 3, POOL_FILTER_H = 4, POOL_ACT = 5 };

typedef struct {
    int32_t batches, in_h, in_w, ch, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int is_max;
    kf_range act;
} kpool_params;

static int32_t imax(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

static int32_t imin(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

static int pool_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kpool_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    float *out = kf_out(tdata, op->out);
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy0 = imax(0, -y0), fy1 = imin(p->k_h, p->in_h - y0);
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx0 = imax(0, -x0), fx1 = imin(p->k_w, p->in_w - x0);
                for (int32_t ch = 0; ch < p->ch; ch++) {
                    float v;
                    if (p->is_max) {
                        v = -FLT_MAX;
                        for (int32_t fy = fy0; fy < fy1; fy++) {
                            for (int32_t fx = fx0; fx < fx1; fx++) {
                                const float x = in[((b * p->in_h + y0 + fy) * p->in_w + x0 + fx) * p->ch + ch];
                                v = v < x ? x : v;
                            }
                        }
                    } else {
                        float total = 0.0f, count = 0.0f;
                        for (int32_t fy = fy0; fy < fy1; fy++) {
                            for (int32_t fx = fx0; fx < fx1; fx++) {
                                total += in[((b * p->in_h + y0 + fy) * p->in_w + x0 + fx) * p->ch + ch];
                                count += 1.0f;
                            }
                        }
                        if (count == 0.0f) {
                            return ENGINE_INFER_FAILED; /* TFLM returns false: an empty window */
                        }
                        v = total / count;
                    }
                    out[((b * p->out_h + oy) * p->out_w + ox) * p->ch + ch] = kf_clamp(v, p->act);
                }
            }
        }
    }
    return ENGINE_OK;
}

int kf_prep_pool(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    uint8_t padding, act;
    int r;
    if (ov->n_in != 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = kf_tensor(c, ov, ov->in[0], &in)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    if (in.ndims != 4u || out.ndims != 4u || in.dims[0] != out.dims[0] || in.dims[3] != out.dims[3]) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output must be 4-D NHWC with equal channels");
    }
    kpool_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if ((r = k_opt_u8(c, ov, POOL_PADDING, 0, &padding)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_STRIDE_W, 0, &p->stride_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_STRIDE_H, 0, &p->stride_h)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_FILTER_W, 0, &p->k_w)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, POOL_FILTER_H, 0, &p->k_h)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, POOL_ACT, 0, &act)) != ENGINE_OK || (r = kf_act_range(c, ov, act, &p->act)) != ENGINE_OK) {
        return r;
    }
    p->batches = in.dims[0];
    p->in_h = in.dims[1];
    p->in_w = in.dims[2];
    p->ch = in.dims[3];
    p->out_h = out.dims[1];
    p->out_w = out.dims[2];
    p->is_max = ov->code == OP_MAX_POOL_2D;
    if (p->in_h > K_MAX_SPATIAL || p->in_w > K_MAX_SPATIAL || p->k_h < 1 || p->k_w < 1 ||
        (int64_t)p->k_h * p->k_w > K_MAX_SPATIAL) {
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
