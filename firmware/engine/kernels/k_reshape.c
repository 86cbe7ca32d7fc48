/* RESHAPE, SQUEEZE, EXPAND_DIMS: the bytes do not change, so the output
 * shares the input's memory (the planner extends the input's lifetime to
 * cover the output's uses) and there is nothing to do at run time. The
 * target shape is taken from the output tensor, which must hold exactly as
 * many bytes as the input; the shape operand and options are not needed. */
#include "k_common.h"

static int reshape_eval(const eng_op *op, uint8_t *const *tdata)
{
    (void)op;
    (void)tdata;
    return ENGINE_OK;
}

int k_prep_reshape(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if (ov->n_in < 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs an input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], &in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    if (in.type != out.type || in.bytes != out.bytes) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output type or size differs from the input");
    }
    op->in[1] = ENG_NO_TENSOR; /* the shape operand is not read */
    op->in[2] = ENG_NO_TENSOR;
    op->eval = reshape_eval;
    op->params = NULL;
    op->alias = 1;
    return ENGINE_OK;
}
