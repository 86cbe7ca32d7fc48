/* Reductions over a set of axes: MEAN, SUM, REDUCE_MAX, REDUCE_MIN (int8),
 * and ARG_MAX, ARG_MIN (int8 in, int32 out) over one axis.
 *
 * MEAN and SUM follow TFLM's QuantizedMeanOrSum: an int32 sum (wrapping, as
 * TFLM's does) minus zp_in * count, times the multiplier s_in / s_out. For
 * MEAN the division by the count is folded into that multiplier in integer
 * arithmetic: with k = min(floor(log2(count)), 32, 31 + shift), the
 * multiplier becomes (m << k) / count (truncating) and the shift shift - k,
 * which is what makes TFLM's mean differ from a float mean by a few LSBs.
 * REDUCE_MAX/MIN compare raw values and need the output to share the
 * input's quantization (TFLM rejects anything else). ARG_MAX/MIN keep the
 * first index on ties (strict comparison), like TFLM. */
#include "k_common.h"
#include "../quant.h"

enum { REDUCER_KEEP_DIMS = 0 };

typedef struct {
    uint8_t n_kept, n_red;
    int32_t kept_dim[ENGINE_MAX_DIMS], kept_stride[ENGINE_MAX_DIMS]; /* input strides of the kept axes */
    int32_t red_dim[ENGINE_MAX_DIMS], red_stride[ENGINE_MAX_DIMS];
    uint32_t n_out, n_red_elems;
    uint8_t kind; /* builtin code */
    int32_t zp_in, zp_out, mult;
    int shift;
} reduce_params;

/* Input offset of the i-th element of an index space given by dims/strides
 * (row-major, the last axis fastest). */
static uint32_t offset_of(uint32_t i, uint8_t n, const int32_t *dim, const int32_t *stride)
{
    uint32_t off = 0;
    for (int d = (int)n - 1; d >= 0; d--) {
        off += (i % (uint32_t)dim[d]) * (uint32_t)stride[d];
        i /= (uint32_t)dim[d];
    }
    return off;
}

static int32_t reduce_one(const reduce_params *p, const int8_t *x)
{
    uint32_t sum = 0; /* modulo 2^32 like TFLM's int32 accumulator */
    int32_t best = p->kind == OP_REDUCE_MIN ? 127 : -128;
    for (uint32_t r = 0; r < p->n_red_elems; r++) {
        const int32_t v = x[offset_of(r, p->n_red, p->red_dim, p->red_stride)];
        sum += (uint32_t)v;
        best = p->kind == OP_REDUCE_MIN ? (v < best ? v : best) : (v > best ? v : best);
    }
    if (p->kind == OP_REDUCE_MAX || p->kind == OP_REDUCE_MIN) {
        return best;
    }
    const int32_t shifted = (int32_t)(sum - (uint32_t)p->zp_in * p->n_red_elems);
    return k_clamp(q_mul(shifted, p->mult, p->shift) + p->zp_out, -128, 127);
}

static int reduce_eval(const eng_op *op, uint8_t *const *tdata)
{
    const reduce_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    int8_t *out = (int8_t *)tdata[op->out];
    for (uint32_t o = 0; o < p->n_out; o++) {
        out[o] = (int8_t)reduce_one(p, in + offset_of(o, p->n_kept, p->kept_dim, p->kept_stride));
    }
    return ENGINE_OK;
}

/* ARG_MAX/ARG_MIN: one reduced axis. */
static int arg_eval(const eng_op *op, uint8_t *const *tdata)
{
    const reduce_params *p = op->params;
    const int8_t *in = (const int8_t *)tdata[op->in[0]];
    const int is_max = p->kind == OP_ARG_MAX;
    for (uint32_t o = 0; o < p->n_out; o++) {
        const int8_t *x = in + offset_of(o, p->n_kept, p->kept_dim, p->kept_stride);
        int32_t best = x[0], idx = 0;
        for (int32_t i = 1; i < p->red_dim[0]; i++) {
            const int32_t v = x[i * p->red_stride[0]];
            if (is_max ? v > best : v < best) {
                best = v;
                idx = i;
            }
        }
        ((int32_t *)(void *)tdata[op->out])[o] = idx;
    }
    return ENGINE_OK;
}

/* Split the input axes into kept and reduced ones from the constant axis
 * tensor (negative axes count from the end; duplicates are ignored, as
 * TFLM's ResolveAxis does). */
static int resolve_axes(ld_ctx *c, const op_view *ov, const tview *in, const tview *axis, reduce_params *p)
{
    uint8_t reduced[ENGINE_MAX_DIMS] = {0};
    if (axis->elems < 1u || axis->elems > 16u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "needs 1 to 16 axes");
    }
    for (uint32_t k = 0; k < axis->elems; k++) {
        int32_t a = ((const int32_t *)(const void *)axis->data)[k];
        a = a < 0 ? a + in->ndims : a;
        if (a < 0 || a >= in->ndims) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "axis out of range");
        }
        reduced[a] = 1;
    }
    int32_t stride = 1;
    uint32_t n_out = 1, n_red = 1;
    for (int d = (int)in->ndims - 1; d >= 0; d--) {
        if (reduced[d]) {
            p->red_dim[p->n_red] = in->dims[d];
            p->red_stride[p->n_red++] = stride;
            n_red *= (uint32_t)in->dims[d];
        } else {
            p->kept_dim[p->n_kept] = in->dims[d];
            p->kept_stride[p->n_kept++] = stride;
            n_out *= (uint32_t)in->dims[d];
        }
        stride *= in->dims[d];
    }
    /* collected last axis first: reverse to row-major order */
    for (uint8_t i = 0; i < p->n_kept / 2u; i++) {
        int32_t t = p->kept_dim[i], u = p->kept_stride[i];
        p->kept_dim[i] = p->kept_dim[p->n_kept - 1u - i];
        p->kept_stride[i] = p->kept_stride[p->n_kept - 1u - i];
        p->kept_dim[p->n_kept - 1u - i] = t;
        p->kept_stride[p->n_kept - 1u - i] = u;
    }
    for (uint8_t i = 0; i < p->n_red / 2u; i++) {
        int32_t t = p->red_dim[i], u = p->red_stride[i];
        p->red_dim[i] = p->red_dim[p->n_red - 1u - i];
        p->red_stride[i] = p->red_stride[p->n_red - 1u - i];
        p->red_dim[p->n_red - 1u - i] = t;
        p->red_stride[p->n_red - 1u - i] = u;
    }
    p->n_out = n_out;
    p->n_red_elems = n_red;
    return ENGINE_OK;
}

/* TFLM's MEAN multiplier adjustment (see the top of the file). */
static void mean_multiplier(reduce_params *p)
{
    int k = 0;
    while (k < 63 && ((uint64_t)p->n_red_elems >> (k + 1)) != 0u) {
        k++;
    }
    k = k < 32 ? k : 32;
    k = k < 31 + p->shift ? k : 31 + p->shift;
    p->mult = (int32_t)(((int64_t)p->mult * ((int64_t)1 << k)) / (int64_t)p->n_red_elems);
    p->shift -= k;
}

static int reduce_quant(ld_ctx *c, const op_view *ov, const tview *in, const tview *out, reduce_params *p)
{
    int r;
    if ((r = ld_need_type(c, ov, out, T_INT8)) != ENGINE_OK || (r = ld_need_quant(c, ov, in)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, out)) != ENGINE_OK) {
        return r;
    }
    if (p->kind == OP_REDUCE_MAX || p->kind == OP_REDUCE_MIN) {
        if (in->scale != out->scale || in->zero_point != out->zero_point) {
            return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "output quantization differs from the input (TFLM rejects it)");
        }
        return ENGINE_OK;
    }
    p->zp_in = in->zero_point;
    p->zp_out = out->zero_point;
    if ((r = ld_multiplier(c, ov, (double)in->scale / (double)out->scale, &p->mult, &p->shift)) != ENGINE_OK) {
        return r;
    }
    if (p->kind == OP_MEAN) {
        mean_multiplier(p);
    }
    return ENGINE_OK;
}

int k_prep_reduce(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, axis, out;
    int r;
    if (ov->n_in != 2u || ov->in[0] < 0 || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs an input and an axis tensor");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->in[1], &axis)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK || (r = ld_need_type(c, ov, &in, T_INT8)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, &axis, T_INT32)) != ENGINE_OK || (r = ld_need_const(c, ov, &axis)) != ENGINE_OK) {
        return r;
    }
    reduce_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->kind = (uint8_t)ov->code;
    if ((r = resolve_axes(c, ov, &in, &axis, p)) != ENGINE_OK) {
        return r;
    }
    const int is_arg = ov->code == OP_ARG_MAX || ov->code == OP_ARG_MIN;
    if (out.elems != p->n_out || (is_arg && p->n_red != 1u)) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match the reduction");
    }
    if (is_arg) {
        /* int64 indices: TFLM fails at invoke ("Only int32_t are supported") */
        if ((r = ld_need_type(c, ov, &out, T_INT32)) != ENGINE_OK) {
            return r;
        }
        op->eval = arg_eval;
    } else {
        if ((r = reduce_quant(c, ov, &in, &out, p)) != ENGINE_OK) {
            return r;
        }
        op->eval = reduce_eval;
    }
    op->in[1] = ENG_NO_TENSOR; /* the axes were read at load time */
    op->params = p;
    return ENGINE_OK;
}
