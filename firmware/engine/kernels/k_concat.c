/* CONCATENATION, PACK (joining) and SPLIT, SPLIT_V, UNPACK (splitting),
 * any element type. Seen from the joined ("big") tensor all five are the
 * same copy: it is [outer, axis, inner] and part j owns a block of a_j
 * rows of the axis (a_j = 1 for PACK/UNPACK, whose parts lack the axis).
 * For int8, TFLM's CONCATENATION requires every input to share the output's
 * scale and zero point (no requantization); the others copy bytes as they
 * are. */
#include <string.h>

#include "k_common.h"

enum { CONCAT_AXIS = 0, CONCAT_ACT = 1 };
enum { PACK_AXIS = 1 };  /* PackOptions/UnpackOptions: values_count|num, axis */

typedef struct {
    uint32_t outer, total; /* outer count; big tensor elements per outer step */
    uint16_t n;            /* parts */
    uint8_t esize, split, big_in;
    uint32_t chunk[];      /* elements per outer step of each part */
} cat_params;

static int cat_eval(const eng_op *op, uint8_t *const *tdata)
{
    const cat_params *p = op->params;
    uint8_t *big = tdata[p->split ? eng_in(op, p->big_in) : op->out];
    const size_t es = p->esize;
    for (uint32_t o = 0; o < p->outer; o++) {
        size_t pos = (size_t)o * p->total;
        for (uint16_t j = 0; j < p->n; j++) {
            const size_t n = p->chunk[j];
            uint8_t *part = tdata[p->split ? eng_out(op, j) : eng_in(op, j)] + (size_t)o * n * es;
            if (p->split) {
                memcpy(part, big + pos * es, n * es);
            } else {
                memcpy(big + pos * es, part, n * es);
            }
            pos += n;
        }
    }
    return ENGINE_OK;
}

/* Check part against big (with or without the axis) and return its rows. */
static int part_rows(ld_ctx *c, const op_view *ov, const tview *big, const tview *part, int32_t axis, int stacked,
                     int32_t *rows)
{
    if (part->type != big->type || part->ndims + (stacked ? 1 : 0) != big->ndims) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "part type or rank does not match");
    }
    for (int32_t k = 0, j = 0; k < big->ndims; k++) {
        if (k == axis && stacked) {
            continue;
        }
        if (k != axis && part->dims[j] != big->dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "part shape does not match");
        }
        j++;
    }
    *rows = stacked ? 1 : part->dims[axis];
    return ENGINE_OK;
}

static int same_quant(ld_ctx *c, const op_view *ov, const tview *a, const tview *b)
{
    if (a->type == T_INT8 && (a->scale != b->scale || a->zero_point != b->zero_point)) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "int8 inputs must share the output's scale and zero point");
    }
    return ENGINE_OK;
}

/* Fill p from the big tensor, the axis and the parts (tensor indices). */
static int cat_layout(ld_ctx *c, const op_view *ov, const tview *big, int32_t axis, cat_params *p)
{
    const int stacked = ov->code == OP_PACK || ov->code == OP_UNPACK;
    const int is_concat = ov->code == OP_CONCATENATION;
    uint32_t inner = 1;
    uint64_t rows = 0; /* up to 255 parts: no wrap-around */
    p->outer = 1;
    for (int32_t k = 0; k < big->ndims; k++) {
        if (k < axis) {
            p->outer *= (uint32_t)big->dims[k];
        } else if (k > axis) {
            inner *= (uint32_t)big->dims[k];
        }
    }
    for (uint16_t j = 0; j < p->n; j++) {
        tview part;
        int32_t a = 0;
        int32_t t = p->split ? ld_op_out(c, ov, j) : ld_op_in(c, ov, j);
        int r = t < 0 ? ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "missing part") : ld_tensor(c, (uint32_t)t, &part);
        if (r != ENGINE_OK || (r = part_rows(c, ov, big, &part, axis, stacked, &a)) != ENGINE_OK ||
            (is_concat && (r = same_quant(c, ov, &part, big)) != ENGINE_OK)) {
            return r;
        }
        p->chunk[j] = (uint32_t)a * inner;
        rows += (uint64_t)a;
    }
    if (rows != (uint64_t)big->dims[axis]) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "parts do not add up to the joined tensor");
    }
    p->total = (uint32_t)rows * inner;
    return ENGINE_OK;
}

/* Axis and big-tensor position of each op. */
static int cat_axis(ld_ctx *c, const op_view *ov, int32_t *axis, int32_t *big_idx, uint8_t *big_in)
{
    int r = ENGINE_OK;
    *big_in = 0;
    switch (ov->code) {
    case OP_CONCATENATION:
    case OP_PACK:
        *big_idx = ov->out;
        return k_opt_i32(c, ov, ov->code == OP_PACK ? PACK_AXIS : CONCAT_AXIS, 0, axis);
    case OP_UNPACK:
        *big_idx = ov->in[0];
        return k_opt_i32(c, ov, PACK_AXIS, 0, axis);
    case OP_SPLIT: {
        const int32_t *a = k_const_i32(c, ov, ov->in[0], 1u, &r);
        *big_idx = ov->in[1];
        *big_in = 1;
        *axis = a == NULL ? 0 : a[0];
        return r;
    }
    default: { /* SPLIT_V: input, size_splits, axis */
        const int32_t *a = k_const_i32(c, ov, ov->in[2], 1u, &r);
        *big_idx = ov->in[0];
        *axis = a == NULL ? 0 : a[0];
        return r;
    }
    }
}

int k_prep_concat(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview big;
    int32_t axis = 0, big_idx = -1;
    uint8_t big_in = 0, act = 0;
    int r = cat_axis(c, ov, &axis, &big_idx, &big_in);
    if (r != ENGINE_OK) {
        return r;
    }
    if (big_idx < 0 || (r = ld_tensor(c, (uint32_t)big_idx, &big)) != ENGINE_OK) {
        return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "missing input");
    }
    if (k_esize(big.type) == 0u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "tensor type not supported");
    }
    axis = axis < 0 ? axis + big.ndims : axis;
    if (axis < 0 || axis >= big.ndims) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "axis out of range");
    }
    if (ov->code == OP_CONCATENATION && ((r = k_opt_u8(c, ov, CONCAT_ACT, 0, &act)) != ENGINE_OK || act != 0u)) {
        return r != ENGINE_OK ? r : ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "fused activation (TFLM rejects it)");
    }
    const int split = ov->code == OP_SPLIT || ov->code == OP_SPLIT_V || ov->code == OP_UNPACK;
    const uint32_t n = split ? ov->n_out : ov->n_in;
    cat_params *p = ld_alloc(c, sizeof *p + n * sizeof(uint32_t));
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = (uint16_t)n;
    p->esize = (uint8_t)k_esize(big.type);
    p->split = (uint8_t)split;
    p->big_in = big_in;
    if ((r = cat_layout(c, ov, &big, axis, p)) != ENGINE_OK) {
        return r;
    }
    op->eval = cat_eval;
    op->params = p;
    return ENGINE_OK;
}
