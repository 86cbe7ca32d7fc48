/* Block rearrangements (any element type, bytes copied as they are):
 * SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND over 1 or 2 spatial axes (3-D
 * NHC inputs are NH1C, as in TFLM), DEPTH_TO_SPACE and SPACE_TO_DEPTH.
 *
 * SPACE_TO_BATCH_ND pads with raw 0. TFLM's micro kernel never sets the
 * pad value (output_offset) of its reference kernel: it is whatever its
 * persistent buffer held, 0 in a fresh arena (observed: 0, and once 46), so
 * no value matches TFLM always; 0 is the one it shows most. Batch b' = (sh * bw + sw) * N + b
 * of the output holds the input pixels (y * bh + sh - pad_top,
 * x * bw + sw - pad_left); BATCH_TO_SPACE_ND is the inverse with crops.
 * DEPTH_TO_SPACE / SPACE_TO_DEPTH are 6-D walks (see k_walk). */
#include <string.h>

#include "k_common.h"

enum { BLOCK_SIZE = 0 };

typedef struct {
    int32_t n, ih, iw, oh, ow, depth; /* depth in bytes */
    int32_t bh, bw, top, left;        /* block and leading pad (or crop) */
    uint8_t to_batch;
} s2b_params;

static void s2b_pixel(const s2b_params *p, const uint8_t *in, uint8_t *out, int32_t ob, int32_t y, int32_t x)
{
    const int32_t b = ob % p->n, sp = ob / p->n;
    const int32_t iy = y * p->bh + sp / p->bw - p->top, ix = x * p->bw + sp % p->bw - p->left;
    uint8_t *dst = out + (((size_t)ob * (size_t)p->oh + (size_t)y) * (size_t)p->ow + (size_t)x) * (size_t)p->depth;
    if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw) {
        memset(dst, 0, (size_t)p->depth);
    } else {
        memcpy(dst, in + (((size_t)b * (size_t)p->ih + (size_t)iy) * (size_t)p->iw + (size_t)ix) * (size_t)p->depth,
               (size_t)p->depth);
    }
}

/* BATCH_TO_SPACE_ND: (n, ih, iw) are the input's; (oh, ow) the output's. */
static void b2s_pixel(const s2b_params *p, const uint8_t *in, uint8_t *out, int32_t ib, int32_t y, int32_t x)
{
    const int32_t b = ib % p->n, sp = ib / p->n;
    const int32_t oy = y * p->bh + sp / p->bw - p->top, ox = x * p->bw + sp % p->bw - p->left;
    if (oy < 0 || oy >= p->oh || ox < 0 || ox >= p->ow) {
        return;
    }
    memcpy(out + (((size_t)b * (size_t)p->oh + (size_t)oy) * (size_t)p->ow + (size_t)ox) * (size_t)p->depth,
           in + (((size_t)ib * (size_t)p->ih + (size_t)y) * (size_t)p->iw + (size_t)x) * (size_t)p->depth,
           (size_t)p->depth);
}

static int s2b_eval(const eng_op *op, uint8_t *const *tdata)
{
    const s2b_params *p = op->params;
    const int32_t batches = p->n * p->bh * p->bw;
    const int32_t h = p->to_batch ? p->oh : p->ih, w = p->to_batch ? p->ow : p->iw;
    for (int32_t b = 0; b < batches; b++) {
        for (int32_t y = 0; y < h; y++) {
            for (int32_t x = 0; x < w; x++) {
                if (p->to_batch) {
                    s2b_pixel(p, tdata[op->in[0]], tdata[op->out], b, y, x);
                } else {
                    b2s_pixel(p, tdata[op->in[0]], tdata[op->out], b, y, x);
                }
            }
        }
    }
    return ENGINE_OK;
}

/* View a 3-D or 4-D tensor as N, H, W, depth-bytes. */
static int nhwc(const tview *t, int32_t *n, int32_t *h, int32_t *w, int32_t *d)
{
    if (t->ndims != 3u && t->ndims != 4u) {
        return -1;
    }
    *n = t->dims[0];
    *h = t->dims[1];
    *w = t->ndims == 4u ? t->dims[2] : 1;
    *d = t->dims[t->ndims - 1u] * (int32_t)k_esize(t->type);
    return 0;
}

int k_prep_space_batch(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    int32_t on, od, id;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    s2b_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if (nhwc(&in, &p->n, &p->ih, &p->iw, &id) != 0 || nhwc(&out, &on, &p->oh, &p->ow, &od) != 0 || id != od ||
        in.ndims != out.ndims) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "needs 3-D or 4-D input and output of the same depth");
    }
    const uint32_t sp = in.ndims - 2u;
    const int32_t *block = k_const_i32(c, ov, ov->in[1], sp, &r);
    const int32_t *pads = block == NULL ? NULL : k_const_i32(c, ov, ov->in[2], 2u * sp, &r);
    if (pads == NULL) {
        return r;
    }
    p->depth = id;
    p->bh = block[0];
    p->bw = sp == 2u ? block[1] : 1;
    p->top = pads[0];
    p->left = sp == 2u ? pads[2] : 0;
    p->to_batch = ov->code == OP_SPACE_TO_BATCH_ND;
    const int32_t bottom = pads[1], right = sp == 2u ? pads[3] : 0;
    /* blocks and paddings bounded so no index arithmetic can overflow */
    int ok = p->bh >= 1 && p->bw >= 1 && p->bh <= 0xFFFF && p->bw <= 0xFFFF && p->top >= 0 && p->left >= 0 &&
             bottom >= 0 && right >= 0 && p->top < K_MAX_SPATIAL && p->left < K_MAX_SPATIAL &&
             bottom < K_MAX_SPATIAL && right < K_MAX_SPATIAL && p->ih < K_MAX_SPATIAL && p->iw < K_MAX_SPATIAL &&
             p->oh < K_MAX_SPATIAL && p->ow < K_MAX_SPATIAL;
    const int64_t blocks = (int64_t)p->bh * p->bw;
    if (ok && p->to_batch) {
        ok = (int64_t)on == p->n * blocks && (int64_t)p->oh * p->bh == (int64_t)p->ih + p->top + bottom &&
             (int64_t)p->ow * p->bw == (int64_t)p->iw + p->left + right;
    } else if (ok) {
        ok = (int64_t)p->n == on * blocks && (int64_t)p->oh == (int64_t)p->ih * p->bh - p->top - bottom &&
             (int64_t)p->ow == (int64_t)p->iw * p->bw - p->left - right;
        p->n = on;
    }
    if (!ok) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "block, paddings and shapes do not agree");
    }
    op->in[1] = op->in[2] = ENG_NO_TENSOR;
    op->eval = s2b_eval;
    op->params = p;
    return ENGINE_OK;
}

/* DEPTH_TO_SPACE: the output [N, H*b, W*b, C] read as [N, H, b, W, b, C]
 * takes input element (n, h, w, (b1 * b + b2) * C + c); SPACE_TO_DEPTH is
 * the same map with input and output exchanged. */
int k_prep_depth_space(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int32_t bs;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK || (r = k_opt_i32(c, ov, BLOCK_SIZE, 0, &bs)) != ENGINE_OK) {
        return r;
    }
    const int d2s = ov->code == OP_DEPTH_TO_SPACE;
    const tview *sp = d2s ? &out : &in; /* the spatial (large) side */
    const tview *dp = d2s ? &in : &out;
    if (in.ndims != 4u || out.ndims != 4u || bs < 1 || sp->dims[1] % bs != 0 || sp->dims[2] % bs != 0 ||
        dp->dims[0] != sp->dims[0] || (int64_t)dp->dims[1] * bs != sp->dims[1] ||
        (int64_t)dp->dims[2] * bs != sp->dims[2] ||
        (int64_t)dp->dims[3] != (int64_t)sp->dims[3] * bs * bs) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "block size and shapes do not agree");
    }
    k_walk *w = ld_alloc(c, sizeof *w);
    if (w == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    const int32_t n = sp->dims[0], h = dp->dims[1], wd = dp->dims[2], ch = sp->dims[3];
    /* [n, h, b1, w, b2, c] over the spatial side, [n, h, w, b1, b2, c] over the depth side */
    const int32_t sp_dims[6] = {n, h, bs, wd, bs, ch};
    const int32_t dp_step[6] = {h * wd * bs * bs * ch, wd * bs * bs * ch, bs * ch, bs * bs * ch, ch, 1};
    int32_t sp_step[6];
    k_strides(sp_dims, 6u, sp_step);
    w->nd = 6;
    w->esize = (uint8_t)k_esize(in.type);
    memcpy(w->count, sp_dims, sizeof sp_dims);
    memcpy(d2s ? w->src_step : w->dst_step, dp_step, sizeof dp_step);
    memcpy(d2s ? w->dst_step : w->src_step, sp_step, sizeof sp_step);
    op->eval = k_walk_eval;
    op->params = w;
    return ENGINE_OK;
}
