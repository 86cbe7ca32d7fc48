/* CONV_2D and DEPTHWISE_CONV_2D for Armv7E-M (SXTB16 + SMLAD / SMLAxy),
 * bit-identical to the reference loops in k_conv.c.
 *
 * Input offset folding. The reference sums w * (x + in_offset) over the
 * taps inside the image and skips padding taps. Modulo 2^32 that equals
 *   sum w * x  +  in_offset * sum w  +  bias
 * provided every padding tap is presented as x = -in_offset (the input zero
 * point), whose product with (x + in_offset) is 0. The im2col copy writes
 * the zero point into padding cells, so the inner loops multiply raw int8
 * values and the per-channel constant bias + in_offset * sum(w) ("kbias")
 * is computed once per operator call into the scratch area.
 *
 * CONV_2D runs as a matrix product: two output pixels (im2col rows, or for
 * an unpadded 1x1 convolution the input pixels themselves, interleaved
 * into scratch) times two output channels (filter rows) per pass; four
 * bytes of each row per step give 16 multiply-accumulates for 3 loads,
 * 8 SXTB16 and 8 SMLAD.
 * Requantization happens once per output, outside the dot products. */
#include "k_conv.h"

#if ENGINE_KERNELS_DSP

#include "arm_dsp.h"
#include "k_requant.h"

/* Requantization parameters copied out of the (aliasable) parameter block
 * into locals: int8 stores may alias anything, so fields read through p
 * would be reloaded after every output byte. */
typedef struct {
    const int32_t *mult;
    const int8_t *shift;
    int32_t zp, lo, hi;
} rq_par;

static inline rq_par rq_of(const conv_params *p)
{
    const rq_par r = {p->q.mult, p->q.shift, p->out_offset, p->act_min, p->act_max};
    return r;
}

static inline int8_t rq(const rq_par *r, uint32_t acc, int32_t oc)
{
    return k_requant(acc, r->mult[oc], r->shift[oc], r->zp, r->lo, r->hi);
}

static inline uint32_t bias_or_0(const int32_t *bias, int32_t oc)
{
    return bias != NULL ? (uint32_t)bias[oc] : 0u;
}

/* An int8 as a modulo-2^32 addend (a function: GCC's -Wsign-conversion
 * misfires on the equivalent cast inside a compound assignment). */
static inline uint32_t widen(int32_t v)
{
    return (uint32_t)v;
}

/* Sum of n int8 values (any alignment), via SMLAD against lanes of 1. */
static uint32_t row_sum(const int8_t *w, int32_t n)
{
    const uint32_t ones = 0x00010001u;
    uint32_t s = 0;
    for (; n >= 4; n -= 4, w += 4) {
        const uint32_t v = dsp_rd32(w);
        s = dsp_smlad(dsp_sxtb16(v), ones, s);
        s = dsp_smlad(dsp_sxtb16_ror8(v), ones, s);
    }
    for (; n > 0; n--) {
        s += widen(*w++);
    }
    return s;
}

/* kb[oc] = bias[oc] + in_offset * sum of filter row oc (CONV_2D rows). */
static void conv_kbias(const conv_params *p, const int8_t *w, const int32_t *bias, uint32_t *kb)
{
    for (int32_t oc = 0; oc < p->out_c; oc++) {
        kb[oc] = bias_or_0(bias, oc) + (uint32_t)p->in_offset * row_sum(w + oc * p->k_len, p->k_len);
    }
}

/* Copy n bytes, four at a time where possible (LDR/STR may be unaligned). */
static int8_t *copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4, dst += 4, src += 4) {
        dsp_wr32(dst, dsp_rd32(src));
    }
    for (; n > 0; n--) {
        *dst++ = *src++;
    }
    return dst;
}

static int8_t *fill_bytes(int8_t *dst, int8_t v, int32_t n)
{
    for (; n > 0; n--) {
        *dst++ = v;
    }
    return dst;
}

/* One filter row of one group of one output pixel: the taps in (ky, kx,
 * ic) order, padding cells set to the input zero point. When the filter
 * row lies inside the image and covers contiguous memory (one group,
 * no dilation along x) it is copied in one piece. */
static void im2col(const conv_params *p, const int8_t *img, int32_t iy0, int32_t ix0, int32_t gi, int8_t *dst)
{
    const int8_t zp = (int8_t)-p->in_offset;
    const int32_t row = p->k_w * p->f_in_c;
    const int contiguous = p->groups == 1 && p->dil_w == 1 && ix0 >= 0 && ix0 + p->k_w <= p->in_w;
    for (int32_t ky = 0; ky < p->k_h; ky++) {
        const int32_t iy = iy0 + p->dil_h * ky;
        if (iy < 0 || iy >= p->in_h) {
            dst = fill_bytes(dst, zp, row);
            continue;
        }
        const int8_t *src = img + (iy * p->in_w) * p->in_c + gi * p->f_in_c;
        if (contiguous) {
            dst = copy_bytes(dst, src + ix0 * p->in_c, row);
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; kx++) {
            const int32_t ix = ix0 + p->dil_w * kx;
            dst = (ix < 0 || ix >= p->in_w) ? fill_bytes(dst, zp, p->f_in_c)
                                             : copy_bytes(dst, src + ix * p->in_c, p->f_in_c);
        }
    }
}

/* The two pixels' rows interleaved four bytes at a time, so one LDRD
 * fetches the same four taps of both: words x[2g] (pixel 0) and x[2g + 1]
 * (pixel 1) hold bytes 4g..4g+3; a final partial group keeps its bytes at
 * the same places (pixel 0 at byte 8G, pixel 1 at byte 8G + 4). lane is
 * 0 or 1. One pointer instead of two frees a register in the dot loop,
 * which otherwise spills on the Cortex-M4's 13 usable registers. */
static void interleave(uint32_t *x, const int8_t *row, int32_t n, int lane)
{
    uint32_t *d = x + lane;
    for (; n >= 4; n -= 4, row += 4, d += 2) {
        *d = dsp_rd32(row);
    }
    int8_t *t = (int8_t *)(void *)d;
    for (int32_t j = 0; j < n; j++) {
        t[j] = row[j];
    }
}

/* s[0..3] = dot(w0,x0), dot(w0,x1), dot(w1,x0), dot(w1,x1) over n bytes,
 * x0/x1 interleaved in x. */
static inline void dot_2x2(const int8_t *w0, const int8_t *w1, const uint32_t *x, int32_t n, uint32_t s[4])
{
    uint32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    for (; n >= 4; n -= 4, w0 += 4, w1 += 4, x += 2) {
        const uint32_t a = x[0], b = x[1];
        const uint32_t ae = dsp_sxtb16(a), ao = dsp_sxtb16_ror8(a);
        const uint32_t be = dsp_sxtb16(b), bo = dsp_sxtb16_ror8(b);
        uint32_t f = dsp_rd32(w0);
        uint32_t fe = dsp_sxtb16(f), fo = dsp_sxtb16_ror8(f);
        s00 = dsp_smlad(fe, ae, dsp_smlad(fo, ao, s00));
        s01 = dsp_smlad(fe, be, dsp_smlad(fo, bo, s01));
        f = dsp_rd32(w1);
        fe = dsp_sxtb16(f);
        fo = dsp_sxtb16_ror8(f);
        s10 = dsp_smlad(fe, ae, dsp_smlad(fo, ao, s10));
        s11 = dsp_smlad(fe, be, dsp_smlad(fo, bo, s11));
    }
    const int8_t *t = (const int8_t *)(const void *)x;
    for (int32_t j = 0; j < n; j++) {
        const int32_t f0 = w0[j], f1 = w1[j], a = t[j], b = t[4 + j];
        s00 += (uint32_t)(f0 * a);
        s01 += (uint32_t)(f0 * b);
        s10 += (uint32_t)(f1 * a);
        s11 += (uint32_t)(f1 * b);
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* Output channels [oc0, oc1) for the two pixels interleaved in x;
 * o1 == NULL when the second pixel does not exist (its lane repeats the
 * first). An odd last channel reuses its own row as the second one. */
static void gemm_pixels(const conv_params *p, const int8_t *w, const uint32_t *kb, int32_t oc0, int32_t oc1,
                        const uint32_t *x, int8_t *o0, int8_t *o1)
{
    const rq_par r = rq_of(p);
    const int32_t k_len = p->k_len;
    for (int32_t oc = oc0; oc < oc1; oc += 2) {
        const int8_t *w0 = w + oc * k_len;
        const int two = oc + 1 < oc1;
        uint32_t s[4];
        dot_2x2(w0, two ? w0 + k_len : w0, x, k_len, s);
        o0[oc] = rq(&r, s[0] + kb[oc], oc);
        if (o1 != NULL) {
            o1[oc] = rq(&r, s[1] + kb[oc], oc);
        }
        if (two) {
            o0[oc + 1] = rq(&r, s[2] + kb[oc + 1], oc + 1);
            if (o1 != NULL) {
                o1[oc + 1] = rq(&r, s[3] + kb[oc + 1], oc + 1);
            }
        }
    }
}

/* Row of pixel px (linear over batch, y, x) for group gi: a pointer into
 * the input for an unpadded 1x1 filter, else its im2col copy in col. */
static const int8_t *pixel_row(const conv_params *p, const int8_t *in, int32_t px, int32_t gi, int8_t *col)
{
    const int32_t per_img = p->out_h * p->out_w;
    const int32_t b = px / per_img, oy = (px % per_img) / p->out_w, ox = px % p->out_w;
    const int8_t *img = in + b * p->in_h * p->in_w * p->in_c;
    const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
    if (p->pointwise) {
        return img + (iy0 * p->in_w + ix0) * p->in_c + gi * p->f_in_c;
    }
    im2col(p, img, iy0, ix0, gi, col);
    return col;
}

/* Scratch: kbias[out_c] | interleaved pair (2 * k_pad bytes) | im2col row
 * (k_pad bytes, not for pointwise). */
static int conv_dsp_eval(const eng_op *op, uint8_t *const *tdata)
{
    const conv_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const int32_t *bias = op->in[2] == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[op->in[2]];
    int8_t *out = (int8_t *)tdata[op->out];
    uint32_t *kb = (uint32_t *)(void *)tdata[p->scratch];
    uint32_t *x = kb + p->out_c;
    int8_t *col = (int8_t *)(x + p->k_pad / 2);
    const int32_t n_px = p->batches * p->out_h * p->out_w;
    const int32_t per_group = p->out_c / p->groups;
    conv_kbias(p, w, bias, kb);
    for (int32_t px = 0; px < n_px; px += 2) {
        const int pair = px + 1 < n_px;
        int8_t *o0 = out + px * p->out_c;
        for (int32_t gi = 0; gi < p->groups; gi++) {
            interleave(x, pixel_row(p, in, px, gi, col), p->k_len, 0);
            interleave(x, pixel_row(p, in, pair ? px + 1 : px, gi, col), p->k_len, 1);
            gemm_pixels(p, w, kb, gi * per_group, (gi + 1) * per_group, x, o0, pair ? o0 + p->out_c : NULL);
        }
    }
    return ENGINE_OK;
}

void k_conv_dsp_select(ld_ctx *c, conv_params *p, eng_op *op)
{
    const int64_t k_len = (int64_t)p->k_h * p->k_w * p->f_in_c;
    const int pointwise = p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0;
    const int64_t k_pad = (k_len + 3) & ~(int64_t)3;
    const int64_t bytes = 4 * (int64_t)p->out_c + (pointwise ? 2 : 3) * k_pad;
    if (bytes > (int64_t)1 << 30) {
        return; /* keep the reference kernel */
    }
    p->k_len = (int32_t)k_len;
    p->k_pad = (int32_t)k_pad;
    p->pointwise = pointwise;
    p->scratch = k_scratch(c, (uint32_t)bytes);
    op->eval = conv_dsp_eval;
}

/* ---------------------------------------------------------- depthwise
 * Multiplier 1 only (output channel = input channel). Four channels are
 * contiguous in both the input pixel and the filter tap, so one word of
 * each feeds four independent accumulators: SXTB16 splits channels (0, 2)
 * from (1, 3) and SMLABB / SMLATT multiply matching lanes (SMLAD would add
 * two different channels together). Each output pixel first lists its
 * taps inside the image (offsets into input and filter), so the channel
 * loops do no index arithmetic. Unclipped pixels use the folded kbias with
 * raw inputs; pixels whose window is clipped by padding add the offset to
 * the inputs in-lane with SADD16 (x + in_offset fits int16) and start from
 * the plain bias. */

/* kb[c] = bias[c] + in_offset * sum over taps of w[tap][c]. */
static void dw_kbias(const conv_params *p, const int8_t *w, const int32_t *bias, uint32_t *kb)
{
    const int32_t taps = p->k_h * p->k_w;
    for (int32_t ch = 0; ch < p->out_c; ch++) {
        kb[ch] = 0;
    }
    for (int32_t t = 0; t < taps; t++, w += p->out_c) {
        for (int32_t ch = 0; ch < p->out_c; ch++) {
            kb[ch] += widen(w[ch]);
        }
    }
    for (int32_t ch = 0; ch < p->out_c; ch++) {
        kb[ch] = bias_or_0(bias, ch) + (uint32_t)p->in_offset * kb[ch];
    }
}

/* A filter tap inside the image: byte offsets of its input pixel (from
 * the image start) and of its filter row. */
typedef struct {
    int32_t x, w;
} dw_tap;

/* The window's taps that fall inside the image, in (ky, kx) order; *all
 * says whether none was clipped by padding. Built once per output pixel
 * and shared by all its channels. */
static int32_t dw_taps(const conv_params *p, int32_t iy0, int32_t ix0, dw_tap *t, int *all)
{
    int32_t n = 0;
    for (int32_t ky = 0; ky < p->k_h; ky++) {
        const int32_t iy = iy0 + p->dil_h * ky;
        for (int32_t kx = 0; kx < p->k_w && iy >= 0 && iy < p->in_h; kx++) {
            const int32_t ix = ix0 + p->dil_w * kx;
            if (ix >= 0 && ix < p->in_w) {
                t[n].x = (iy * p->in_w + ix) * p->in_c;
                t[n].w = (ky * p->k_w + kx) * p->out_c;
                n++;
            }
        }
    }
    *all = n == p->k_h * p->k_w;
    return n;
}

/* Four channels (img and w already offset to the first): s[i] += the
 * products over n taps. with_offset is a constant at each call site (GCC
 * specializes the inlined copies): unclipped pixels skip the SADD16s. */
static inline void dw_quad(const int8_t *img, const int8_t *w, const dw_tap *t, int32_t n, uint32_t off2,
                           int with_offset, uint32_t s[4])
{
    uint32_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (const dw_tap *end = t + n; t < end; t++) {
        const uint32_t xv = dsp_rd32(img + t->x), wv = dsp_rd32(w + t->w);
        uint32_t xe = dsp_sxtb16(xv), xo = dsp_sxtb16_ror8(xv);
        if (with_offset) {
            xe = dsp_sadd16(xe, off2);
            xo = dsp_sadd16(xo, off2);
        }
        const uint32_t we = dsp_sxtb16(wv), wo = dsp_sxtb16_ror8(wv);
        s0 = dsp_smlabb(xe, we, s0);
        s2 = dsp_smlatt(xe, we, s2);
        s1 = dsp_smlabb(xo, wo, s1);
        s3 = dsp_smlatt(xo, wo, s3);
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

/* One channel the plain way (channel counts that are not a multiple of 4). */
static uint32_t dw_single(const int8_t *img, const int8_t *w, const dw_tap *t, int32_t n, int32_t in_offset)
{
    uint32_t s = 0;
    for (int32_t i = 0; i < n; i++) {
        s += (uint32_t)(w[t[i].w] * (img[t[i].x] + in_offset));
    }
    return s;
}

static void dw_pixel_dsp(const conv_params *p, const int8_t *img, const int8_t *w, const int32_t *bias,
                         const uint32_t *kb, dw_tap *taps, int32_t iy0, int32_t ix0, int8_t *out)
{
    const rq_par r = rq_of(p);
    int all;
    const int32_t n = dw_taps(p, iy0, ix0, taps, &all);
    const uint32_t off2 = dsp_dup16(p->in_offset);
    int32_t ch = 0;
    for (; ch + 4 <= p->in_c; ch += 4) {
        uint32_t s[4];
        for (int i = 0; i < 4; i++) {
            s[i] = all ? kb[ch + i] : bias_or_0(bias, ch + i);
        }
        if (all) {
            dw_quad(img + ch, w + ch, taps, n, off2, 0, s);
        } else {
            dw_quad(img + ch, w + ch, taps, n, off2, 1, s);
        }
        for (int i = 0; i < 4; i++) {
            out[ch + i] = rq(&r, s[i], ch + i);
        }
    }
    for (; ch < p->in_c; ch++) {
        out[ch] = rq(&r, dw_single(img + ch, w + ch, taps, n, p->in_offset) + bias_or_0(bias, ch), ch);
    }
}

/* Scratch: kbias[out_c] | tap list[k_h * k_w]. */
static int dw_dsp_eval(const eng_op *op, uint8_t *const *tdata)
{
    const conv_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    const int8_t *w = (const int8_t *)tdata[op->in[1]];
    const int32_t *bias = op->in[2] == ENG_NO_TENSOR ? NULL : (const int32_t *)(const void *)tdata[op->in[2]];
    int8_t *out = (int8_t *)tdata[op->out];
    uint32_t *kb = (uint32_t *)(void *)tdata[p->scratch];
    dw_tap *taps = (dw_tap *)(void *)(kb + p->out_c);
    dw_kbias(p, w, bias, kb);
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *img = in + b * p->in_h * p->in_w * p->in_c;
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                dw_pixel_dsp(p, img, w, bias, kb, taps, oy * p->stride_h - p->pad_h, ox * p->stride_w - p->pad_w, out);
                out += p->out_c;
            }
        }
    }
    return ENGINE_OK;
}

void k_dwconv_dsp_select(ld_ctx *c, conv_params *p, eng_op *op)
{
    const int64_t bytes = 4 * (int64_t)p->out_c + (int64_t)sizeof(dw_tap) * p->k_h * p->k_w;
    if (p->depth_mult != 1 || bytes > (int64_t)1 << 30) {
        return; /* keep the reference kernel */
    }
    p->scratch = k_scratch(c, (uint32_t)bytes);
    op->eval = dw_dsp_eval;
}

#endif
