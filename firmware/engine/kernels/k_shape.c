/* SHAPE: the input's dimensions as an int32 vector (known at load time; the
 * input's data is never read). Used by Keras Flatten with a dynamic batch,
 * which lowers to SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE. */
#include <string.h>

#include "k_common.h"

typedef struct {
    uint32_t n;
    int32_t dims[ENGINE_MAX_DIMS];
} shape_params;

static int shape_eval(const eng_op *op, uint8_t *const *tdata)
{
    const shape_params *p = op->params;
    memcpy(tdata[op->out], p->dims, p->n * sizeof(int32_t));
    return ENGINE_OK;
}

int k_prep_shape(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK || (r = ld_need_type(c, ov, &out, T_INT32)) != ENGINE_OK) {
        return r;
    }
    if (out.elems != in.ndims) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output size differs from the input rank");
    }
    shape_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = in.ndims;
    memcpy(p->dims, in.dims, sizeof p->dims);
    op->in[0] = ENG_NO_TENSOR; /* only the shape is needed */
    op->eval = shape_eval;
    op->params = p;
    return ENGINE_OK;
}
