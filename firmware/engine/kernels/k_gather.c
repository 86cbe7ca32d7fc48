/* GATHER and MIRROR_PAD (any element type): index remapping.
 *
 * GATHER with batch_dims b: output = input[:axis] + coords[b:] +
 * input[axis+1:], copying runs of `inner` elements. Indices come from an
 * int32 tensor that may be computed at run time; TFLM only DCHECKs their
 * range (reading out of bounds in release builds), the engine fails the
 * invoke instead (ENGINE_INFER_FAILED).
 * MIRROR_PAD maps each output coordinate to an input one per axis, as TFLM's
 * GetInputDimension does: REFLECT (offset 1) skips the edge element,
 * SYMMETRIC (offset 0) repeats it. The per-axis maps are built at load. */
#include <string.h>

#include "k_common.h"

enum { GATHER_AXIS = 0, GATHER_BATCH_DIMS = 1 };
enum { MIRROR_MODE = 0 };

typedef struct {
    uint32_t batch, outer, coords, inner, axis_size;
    uint8_t esize;
} gather_params;

static int gather_eval(const eng_op *op, uint8_t *const *tdata)
{
    const gather_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    const int32_t *idx = (const int32_t *)(const void *)tdata[op->in[1]];
    uint8_t *out = tdata[op->out];
    const size_t run = (size_t)p->inner * p->esize;
    for (uint32_t b = 0; b < p->batch; b++) {
        for (uint32_t o = 0; o < p->outer; o++) {
            for (uint32_t k = 0; k < p->coords; k++) {
                const int32_t i = idx[b * p->coords + k];
                if (i < 0 || (uint32_t)i >= p->axis_size) {
                    return ENGINE_INFER_FAILED;
                }
                memcpy(out, in + (((size_t)b * p->outer + o) * p->axis_size + (uint32_t)i) * run, run);
                out += run;
            }
        }
    }
    return ENGINE_OK;
}

static int gather_shape(ld_ctx *c, const op_view *ov, const tview *in, const tview *co, const tview *out,
                        int32_t axis, int32_t bd, gather_params *p)
{
    if (axis < 0 || axis >= in->ndims || bd < 0 || bd > co->ndims || bd > axis ||
        in->ndims + co->ndims - 1 - bd != out->ndims || out->ndims > ENGINE_MAX_DIMS) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "axis, batch_dims and shapes do not agree");
    }
    p->batch = p->outer = p->coords = p->inner = 1;
    for (int32_t k = 0; k < bd; k++) {
        if (in->dims[k] != co->dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "batch dimensions differ");
        }
        p->batch *= (uint32_t)in->dims[k];
    }
    for (int32_t k = bd; k < axis; k++) {
        p->outer *= (uint32_t)in->dims[k];
    }
    for (int32_t k = bd; k < co->ndims; k++) {
        p->coords *= (uint32_t)co->dims[k];
    }
    for (int32_t k = axis + 1; k < in->ndims; k++) {
        p->inner *= (uint32_t)in->dims[k];
    }
    /* the output shape, checked axis by axis */
    int32_t j = 0;
    for (int32_t k = 0; k < axis; k++) {
        if (out->dims[j++] != in->dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match");
        }
    }
    for (int32_t k = bd; k < co->ndims; k++) {
        if (out->dims[j++] != co->dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match");
        }
    }
    for (int32_t k = axis + 1; k < in->ndims; k++) {
        if (out->dims[j++] != in->dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match");
        }
    }
    p->axis_size = (uint32_t)in->dims[axis];
    p->esize = (uint8_t)k_esize(in->type);
    return ENGINE_OK;
}

int k_prep_gather(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, co, out;
    int32_t axis, bd;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    if (ov->n_in != 2u || ov->in[1] < 0 || (r = ld_tensor(c, (uint32_t)ov->in[1], &co)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, &co, T_INT32)) != ENGINE_OK || (r = k_opt_i32(c, ov, GATHER_AXIS, 0, &axis)) != ENGINE_OK ||
        (r = k_opt_i32(c, ov, GATHER_BATCH_DIMS, 0, &bd)) != ENGINE_OK) {
        return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs input and indices");
    }
    axis = axis < 0 ? axis + in.ndims : axis;
    bd = bd < 0 ? bd + co.ndims : bd;
    gather_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if ((r = gather_shape(c, ov, &in, &co, &out, axis, bd, p)) != ENGINE_OK) {
        return r;
    }
    op->eval = gather_eval;
    op->params = p;
    return ENGINE_OK;
}

typedef struct {
    uint8_t nd, esize;
    int32_t out_dims[ENGINE_MAX_DIMS], in_stride[ENGINE_MAX_DIMS];
    const int32_t *map[ENGINE_MAX_DIMS]; /* per axis: output coordinate -> input coordinate */
} mirror_params;

static int mirror_eval(const eng_op *op, uint8_t *const *tdata)
{
    const mirror_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    uint8_t *out = tdata[op->out];
    int32_t idx[ENGINE_MAX_DIMS] = {0};
    const uint32_t n = k_elems(p->out_dims, p->nd);
    for (uint32_t i = 0; i < n; i++) {
        size_t src = 0;
        for (uint32_t k = 0; k < p->nd; k++) {
            src += (size_t)p->map[k][idx[k]] * (size_t)p->in_stride[k];
        }
        memcpy(out + (size_t)i * p->esize, in + src * p->esize, p->esize);
        for (int k = (int)p->nd - 1; k >= 0 && ++idx[k] == p->out_dims[k]; k--) {
            idx[k] = 0;
        }
    }
    return ENGINE_OK;
}

static int32_t mirror_index(int32_t o, int32_t before, int32_t size, int32_t offset)
{
    if (o < before) {
        const int32_t orig = before + offset - 1;
        return orig - (o < orig - offset ? o : orig - offset);
    }
    o -= before;
    if (o >= size) {
        o -= size;
        const int32_t orig = size - (1 + offset);
        return orig - (o < orig ? o : orig);
    }
    return o;
}

int k_prep_mirror_pad(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    uint8_t mode;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK || (r = k_opt_u8(c, ov, MIRROR_MODE, 0, &mode)) != ENGINE_OK) {
        return r;
    }
    const int32_t *pads = k_const_i32(c, ov, ov->in[1], 2u * in.ndims, &r);
    mirror_params *p = pads == NULL ? NULL : ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return pads == NULL ? r : ENGINE_ARENA_TOO_SMALL;
    }
    const int32_t offset = mode == 0u ? 1 : 0; /* REFLECT : SYMMETRIC */
    p->nd = in.ndims;
    p->esize = (uint8_t)k_esize(in.type);
    k_strides(in.dims, in.ndims, p->in_stride);
    for (uint32_t k = 0; k < in.ndims; k++) {
        const int32_t before = pads[2u * k], after = pads[2u * k + 1u];
        /* TFLM needs each padding within the mirrored size (size - offset) */
        if (out.ndims != in.ndims || before < 0 || after < 0 || before > in.dims[k] - offset ||
            after > in.dims[k] - offset || in.dims[k] + before + after != out.dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "paddings do not match the shapes and mode");
        }
        int32_t *map = ld_alloc(c, (size_t)out.dims[k] * sizeof(int32_t));
        if (map == NULL) {
            return ENGINE_ARENA_TOO_SMALL;
        }
        for (int32_t o = 0; o < out.dims[k]; o++) {
            map[o] = mirror_index(o, before, in.dims[k], offset);
        }
        p->out_dims[k] = out.dims[k];
        p->map[k] = map;
    }
    op->in[1] = ENG_NO_TENSOR;
    op->eval = mirror_eval;
    op->params = p;
    return ENGINE_OK;
}
