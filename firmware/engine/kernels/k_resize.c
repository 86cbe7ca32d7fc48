/* RESIZE_NEAREST_NEIGHBOR (any element type) and RESIZE_BILINEAR (int8),
 * 4-D NHWC, constant output size; the output shares the input's
 * quantization (TFLM does not rescale either).
 *
 * Nearest: source index floor((i + offset) * scale), or round() with
 * align_corners, in float as TFLM computes it (offset 0.5 with
 * half_pixel_centers), clamped to the input; computed once at load into a
 * table of output rows and columns. Bilinear: TFLM's integer path, with
 * positions in 1/1024 steps (scale_10 = round(1024 * in / out)), the four
 * 10x10-bit weights summed in int64 and divided by 2^20 rounding half away
 * from zero. */
#include <math.h>
#include <string.h>

#include "k_common.h"

enum { NN_ALIGN = 0, NN_HALF = 1, BL_ALIGN = 2, BL_HALF = 3 };

typedef struct {
    int32_t n, ih, iw, oh, ow, depth; /* depth in elements */
    uint8_t esize, half, align;
    int32_t hs10, ws10;    /* bilinear */
    const int32_t *map;    /* nearest: oh source rows, then ow source columns */
} resize_params;

static int nn_eval(const eng_op *op, uint8_t *const *tdata)
{
    const resize_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    uint8_t *out = tdata[op->out];
    const size_t px = (size_t)p->depth * p->esize;
    for (int32_t b = 0; b < p->n; b++) {
        for (int32_t y = 0; y < p->oh; y++) {
            const uint8_t *row = in + ((size_t)b * (size_t)p->ih + (size_t)p->map[y]) * (size_t)p->iw * px;
            for (int32_t x = 0; x < p->ow; x++) {
                memcpy(out, row + (size_t)p->map[p->oh + x] * px, px);
                out += px;
            }
        }
    }
    return ENGINE_OK;
}

static void bl_pos(int32_t v, int32_t s10, int half, int32_t size, int32_t *pos, int32_t *lo, int32_t *hi)
{
    *pos = half ? v * s10 + s10 / 2 - (1 << 9) : v * s10;
    *lo = *pos / (1 << 10) > 0 ? *pos / (1 << 10) : 0;
    const int32_t up = (*pos + (1 << 10) - 1) / (1 << 10);
    *hi = up < size - 1 ? up : size - 1;
}

static int8_t bl_mix(const resize_params *p, const int8_t *in, int32_t b, const int32_t yy[3], const int32_t xx[3],
                     int32_t c)
{
    const int32_t dy = yy[0] - (1 << 10) * yy[1], dx = xx[0] - (1 << 10) * xx[1];
    const size_t w = (size_t)p->iw, d = (size_t)p->depth;
#define PIX(y, x) ((int64_t)in[(((size_t)b * (size_t)p->ih + (size_t)(y)) * w + (size_t)(x)) * d + (size_t)c])
    const int64_t sum = PIX(yy[1], xx[1]) * ((1 << 10) - dy) * ((1 << 10) - dx) +
                        PIX(yy[2], xx[1]) * dy * ((1 << 10) - dx) + PIX(yy[1], xx[2]) * ((1 << 10) - dy) * dx +
                        PIX(yy[2], xx[2]) * dy * dx;
#undef PIX
    const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
    return (int8_t)((sum + round) / (1 << 20));
}

static int bl_eval(const eng_op *op, uint8_t *const *tdata)
{
    const resize_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (int32_t b = 0; b < p->n; b++) {
        for (int32_t y = 0; y < p->oh; y++) {
            int32_t yy[3];
            bl_pos(y, p->hs10, p->half, p->ih, &yy[0], &yy[1], &yy[2]);
            for (int32_t x = 0; x < p->ow; x++) {
                int32_t xx[3];
                bl_pos(x, p->ws10, p->half, p->iw, &xx[0], &xx[1], &xx[2]);
                for (int32_t c = 0; c < p->depth; c++) {
                    *out++ = bl_mix(p, in, b, yy, xx, c);
                }
            }
        }
    }
    return ENGINE_OK;
}

static int32_t nn_index(int32_t i, int32_t in, int32_t out, int align, int half)
{
    const float scale = (align && out > 1) ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
    const float v = ((float)i + (half ? 0.5f : 0.0f)) * scale;
    int32_t r = (int32_t)(align ? roundf(v) : floorf(v));
    r = r < in - 1 ? r : in - 1;
    return half && r < 0 ? 0 : r;
}

static int nn_prepare(ld_ctx *c, resize_params *p)
{
    int32_t *map = ld_alloc(c, ((size_t)p->oh + (size_t)p->ow) * sizeof(int32_t));
    if (map == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    for (int32_t y = 0; y < p->oh; y++) {
        map[y] = nn_index(y, p->ih, p->oh, p->align, p->half);
    }
    for (int32_t x = 0; x < p->ow; x++) {
        map[p->oh + x] = nn_index(x, p->iw, p->ow, p->align, p->half);
    }
    p->map = map;
    return ENGINE_OK;
}

static int32_t scale10(int32_t in, int32_t out, int align)
{
    if (align && out > 1) {
        return (int32_t)((((int64_t)in - 1) * 1024 + (out - 1) / 2) / (out - 1));
    }
    return (int32_t)(((int64_t)in * 1024 + out / 2) / out);
}

int k_prep_resize(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    uint8_t align = 0, half = 0;
    int r;
    const int bilinear = ov->code == OP_RESIZE_BILINEAR;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, bilinear ? BL_ALIGN : NN_ALIGN, 0, &align)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, bilinear ? BL_HALF : NN_HALF, 0, &half)) != ENGINE_OK) {
        return r;
    }
    const int32_t *size = k_const_i32(c, ov, ov->in[1], 2u, &r);
    if (size == NULL) {
        return r;
    }
    if (in.ndims != 4u || out.ndims != 4u || out.dims[0] != in.dims[0] || out.dims[3] != in.dims[3] ||
        out.dims[1] != size[0] || out.dims[2] != size[1] || in.dims[1] >= K_MAX_SPATIAL / 1024 ||
        in.dims[2] >= K_MAX_SPATIAL / 1024 || out.dims[1] >= K_MAX_SPATIAL || out.dims[2] >= K_MAX_SPATIAL) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input, size and output shapes do not agree");
    }
    if (bilinear && ((r = ld_need_type(c, ov, &in, T_INT8)) != ENGINE_OK || (align && half))) {
        return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "align_corners with half_pixel_centers");
    }
    resize_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = in.dims[0];
    p->ih = in.dims[1];
    p->iw = in.dims[2];
    p->oh = out.dims[1];
    p->ow = out.dims[2];
    p->depth = in.dims[3];
    p->esize = (uint8_t)k_esize(in.type);
    p->align = align != 0u;
    p->half = half != 0u;
    p->hs10 = scale10(p->ih, p->oh, p->align);
    p->ws10 = scale10(p->iw, p->ow, p->align);
    if (!bilinear && (r = nn_prepare(c, p)) != ENGINE_OK) {
        return r;
    }
    op->in[1] = ENG_NO_TENSOR;
    op->eval = bilinear ? bl_eval : nn_eval;
    op->params = p;
    return ENGINE_OK;
}
