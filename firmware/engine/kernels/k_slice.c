/* STRIDED_SLICE, SLICE and TRANSPOSE: pure data movement (any element
 * type), planned once at load time as a k_walk.
 *
 * STRIDED_SLICE follows TFLM's reference eval (StridedSliceStartForAxis /
 * EndForAxis): a negative begin or end counts from the end, then it is
 * clamped to [0, size] for positive strides or [-1, size - 1] for negative
 * ones, and a begin_mask/end_mask bit replaces it by the full extent after
 * clamping; a shrink_axis bit takes one element at begin. TFLM's micro
 * kernel forces ellipsis_mask and new_axis_mask to 0 and ignores `offset`;
 * models that set them are refused here rather than silently misread. */
#include "k_common.h"

enum { SS_BEGIN_MASK = 0, SS_END_MASK = 1, SS_ELLIPSIS_MASK = 2, SS_NEW_AXIS_MASK = 3, SS_SHRINK_MASK = 4,
       SS_OFFSET = 5 };

/* Input 0 and output 0 of the same type with a known element size. */
int k_data_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *out)
{
    int r;
    if (ov->n_in < 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs an input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK) {
        return r;
    }
    if (k_esize(in->type) == 0u || in->type != out->type) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "input and output types differ or are not supported");
    }
    return ENGINE_OK;
}

/* A constant int32 vector operand with n elements. */
const int32_t *k_const_i32(ld_ctx *c, const op_view *ov, int32_t idx, uint32_t n, int *r)
{
    tview t;
    if (idx < 0) {
        *r = ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "missing operand");
        return NULL;
    }
    if ((*r = ld_tensor(c, (uint32_t)idx, &t)) != ENGINE_OK || (*r = ld_need_type(c, ov, &t, T_INT32)) != ENGINE_OK ||
        (*r = ld_need_const(c, ov, &t)) != ENGINE_OK) {
        return NULL;
    }
    if (t.elems != n) {
        *r = ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "operand size differs from the input rank");
        return NULL;
    }
    return (const int32_t *)(const void *)t.data;
}

static int32_t clamp_i(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Allocate a walk from input to output with contiguous destination. */
static k_walk *new_walk(ld_ctx *c, const tview *in, uint32_t nd)
{
    k_walk *w = ld_alloc(c, sizeof *w);
    if (w != NULL) {
        w->nd = (uint8_t)nd;
        w->esize = (uint8_t)k_esize(in->type);
    }
    return w;
}

/* The walk's count, minus shrunk axes, must be the output shape. */
static int check_out_shape(ld_ctx *c, const op_view *ov, const k_walk *w, uint32_t shrink, const tview *out)
{
    uint32_t j = 0;
    for (uint32_t k = 0; k < w->nd; k++) {
        if (w->count[k] < 1) {
            return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "empty slice");
        }
        if ((shrink >> k) & 1u) {
            continue;
        }
        if (j >= out->ndims || out->dims[j] != w->count[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match the slice");
        }
        j++;
    }
    if (j != out->ndims) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match the slice");
    }
    return ENGINE_OK;
}

static void ss_axis(const tview *in, uint32_t k, const int32_t *b, const int32_t *e, int32_t stride, int32_t masks[3],
                    int32_t *start, int32_t *count)
{
    const int32_t size = in->dims[k];
    int32_t s = b[k] < 0 ? b[k] + size : b[k];
    s = stride > 0 ? clamp_i(s, 0, size) : clamp_i(s, -1, size - 1);
    if ((masks[0] >> k) & 1) {
        s = stride > 0 ? 0 : size - 1;
    }
    int32_t end;
    if ((masks[2] >> k) & 1) {
        end = s >= size ? s : s + 1;
    } else {
        end = e[k] < 0 ? e[k] + size : e[k];
        end = stride > 0 ? clamp_i(end, 0, size) : clamp_i(end, -1, size - 1);
        if ((masks[1] >> k) & 1) {
            end = stride > 0 ? size : -1;
        }
    }
    /* iterations of for (i = s; stride > 0 ? i < end : i > end; i += stride) */
    const int64_t span = stride > 0 ? (int64_t)end - s : (int64_t)s - end;
    const int64_t step = stride > 0 ? (int64_t)stride : -(int64_t)stride;
    *start = s;
    *count = span > 0 ? (int32_t)((span + step - 1) / step) : 0;
}

int k_prep_strided_slice(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    int32_t masks[3], ell, newax;
    uint8_t offset;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    const int32_t *b = k_const_i32(c, ov, ov->in[1], in.ndims, &r);
    const int32_t *e = b == NULL ? NULL : k_const_i32(c, ov, ov->in[2], in.ndims, &r);
    const int32_t *st = e == NULL ? NULL : k_const_i32(c, ov, ld_op_in(c, ov, 3), in.ndims, &r);
    if (st == NULL || (r = k_opt_i32(c, ov, SS_BEGIN_MASK, 0, &masks[0])) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, SS_END_MASK, 0, &masks[1])) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, SS_SHRINK_MASK, 0, &masks[2])) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, SS_ELLIPSIS_MASK, 0, &ell)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, SS_NEW_AXIS_MASK, 0, &newax)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, SS_OFFSET, 0, &offset)) != ENGINE_OK) {
        return r;
    }
    if (ell != 0 || newax != 0 || offset != 0u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "ellipsis/new-axis masks and offset are not supported (TFLM ignores them)");
    }
    k_walk *w = new_walk(c, &in, in.ndims);
    if (w == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    int32_t in_stride[ENGINE_MAX_DIMS];
    k_strides(in.dims, in.ndims, in_stride);
    for (uint32_t k = 0; k < in.ndims; k++) {
        int32_t s0, st_k;
        if (st[k] == 0) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "stride 0");
        }
        ss_axis(&in, k, b, e, st[k], masks, &s0, &w->count[k]);
        if (st[k] < -in.dims[k] || st[k] > in.dims[k]) {
            /* a longer step takes at most one element: clamp it so that
             * stride * in_stride stays inside int32 */
            st_k = st[k] > 0 ? in.dims[k] : -in.dims[k];
        } else {
            st_k = st[k];
        }
        w->src_base += s0 * in_stride[k];
        w->src_step[k] = st_k * in_stride[k];
    }
    if ((r = check_out_shape(c, ov, w, (uint32_t)masks[2], &out)) != ENGINE_OK) {
        return r;
    }
    k_strides(w->count, w->nd, w->dst_step);
    op->in[1] = op->in[2] = ENG_NO_TENSOR; /* begin/end/strides were read at load time */
    op->eval = k_walk_eval;
    op->params = w;
    return ENGINE_OK;
}

int k_prep_slice(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    const int32_t *b = k_const_i32(c, ov, ov->in[1], in.ndims, &r);
    const int32_t *sz = b == NULL ? NULL : k_const_i32(c, ov, ov->in[2], in.ndims, &r);
    k_walk *w = sz == NULL ? NULL : new_walk(c, &in, in.ndims);
    if (w == NULL) {
        return sz == NULL ? r : ENGINE_ARENA_TOO_SMALL;
    }
    int32_t in_stride[ENGINE_MAX_DIMS];
    k_strides(in.dims, in.ndims, in_stride);
    for (uint32_t k = 0; k < in.ndims; k++) {
        if (b[k] < 0 || b[k] >= in.dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "slice outside the input");
        }
        const int32_t n = sz[k] == -1 ? in.dims[k] - b[k] : sz[k];
        if (n < 1 || b[k] > in.dims[k] - n) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "slice outside the input");
        }
        w->count[k] = n;
        w->src_base += b[k] * in_stride[k];
        w->src_step[k] = in_stride[k];
    }
    if ((r = check_out_shape(c, ov, w, 0u, &out)) != ENGINE_OK) {
        return r;
    }
    k_strides(w->count, w->nd, w->dst_step);
    op->in[1] = op->in[2] = ENG_NO_TENSOR;
    op->eval = k_walk_eval;
    op->params = w;
    return ENGINE_OK;
}

int k_prep_transpose(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    const int32_t *perm = k_const_i32(c, ov, ov->in[1], in.ndims, &r);
    k_walk *w = perm == NULL ? NULL : new_walk(c, &in, in.ndims);
    if (w == NULL) {
        return perm == NULL ? r : ENGINE_ARENA_TOO_SMALL;
    }
    int32_t in_stride[ENGINE_MAX_DIMS];
    uint32_t seen = 0;
    k_strides(in.dims, in.ndims, in_stride);
    for (uint32_t k = 0; k < in.ndims; k++) {
        const int32_t p = perm[k] < 0 ? perm[k] + in.ndims : perm[k];
        if (p < 0 || p >= in.ndims || ((seen >> p) & 1u) != 0u) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "permutation is not valid");
        }
        seen |= 1u << p;
        w->count[k] = in.dims[p];
        w->src_step[k] = in_stride[p];
    }
    if ((r = check_out_shape(c, ov, w, 0u, &out)) != ENGINE_OK) {
        return r;
    }
    k_strides(w->count, w->nd, w->dst_step);
    op->in[1] = ENG_NO_TENSOR;
    op->eval = k_walk_eval;
    op->params = w;
    return ENGINE_OK;
}
