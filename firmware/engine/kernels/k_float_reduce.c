/* float32 MEAN, SUM, REDUCE_MAX and REDUCE_MIN over any set of axes (negative or repeated ones
 * resolved as TFLM's ResolveAxis does), keep_dims either way.
 *
 * TFLM (reference_ops::Mean / ReduceGeneric, and the 4-D axes {1, 2}
 * special case, which adds in the same order) zeroes each output, walks the
 * input in row-major order adding every element to its output, and MEAN then
 * divides each sum by the reduced element count converted to float. The
 * engine walks the input the same way, so every output sees the same
 * additions in the same order. REDUCE_MAX/MIN (ReduceGeneric) start at
 * -FLT_MAX / FLT_MAX and keep (in > cur) ? in : cur, or (in < cur). */
#include "k_float.h"

#include <float.h>

enum { REDUCER_KEEP_DIMS = 0 };

typedef struct {
    uint8_t nd, kind;
    int32_t dims[ENGINE_MAX_DIMS];
    int32_t ostride[ENGINE_MAX_DIMS]; /* output element stride per input axis, 0 on reduced axes */
    uint32_t n_in, n_out, n_red;
} kred_params;

static int red_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kred_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    float *out = kf_out(tdata, op->out);
    int32_t idx[ENGINE_MAX_DIMS] = {0};
    uint32_t o = 0;
    const float init = p->kind == OP_REDUCE_MAX ? -FLT_MAX : p->kind == OP_REDUCE_MIN ? FLT_MAX : 0.0f;
    for (uint32_t i = 0; i < p->n_out; i++) {
        out[i] = init;
    }
    for (uint32_t i = 0; i < p->n_in; i++) {
        const float x = in[i];
        if (p->kind == OP_REDUCE_MAX) {
            out[o] = x > out[o] ? x : out[o];
        } else if (p->kind == OP_REDUCE_MIN) {
            out[o] = x < out[o] ? x : out[o];
        } else {
            out[o] += x;
        }
        for (int k = (int)p->nd - 1; k >= 0; k--) { /* odometer over the input index */
            o += (uint32_t)p->ostride[k];
            if (++idx[k] < p->dims[k]) {
                break;
            }
            o -= (uint32_t)(p->ostride[k] * p->dims[k]);
            idx[k] = 0;
        }
    }
    if (p->kind == OP_MEAN) {
        const float count = (float)p->n_red;
        for (uint32_t i = 0; i < p->n_out; i++) {
            out[i] = out[i] / count;
        }
    }
    return ENGINE_OK;
}

int kf_prep_reduce(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, axis, out;
    int r;
    if (ov->n_in != 2u || ov->in[1] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs an input and an axis tensor");
    }
    if ((r = kf_tensor(c, ov, ov->in[0], &in)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->out, &out)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->in[1], &axis)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, &axis, T_INT32)) != ENGINE_OK || (r = ld_need_const(c, ov, &axis)) != ENGINE_OK) {
        return r;
    }
    kred_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    uint8_t keep;
    if ((r = k_opt_u8(c, ov, REDUCER_KEEP_DIMS, 0, &keep)) != ENGINE_OK) {
        return r;
    }
    (void)keep; /* the output's flat order is the same either way; its size is checked below */
    const int32_t *ax = (const int32_t *)(const void *)axis.data;
    uint8_t reduced[ENGINE_MAX_DIMS] = {0};
    for (uint32_t k = 0; k < axis.elems; k++) {
        int32_t a = ax[k] < 0 ? ax[k] + (int32_t)in.ndims : ax[k];
        if (a < 0 || a >= (int32_t)in.ndims) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "axis out of range");
        }
        reduced[a] = 1;
    }
    p->nd = in.ndims;
    p->kind = (uint8_t)ov->code;
    p->n_in = in.elems;
    p->n_out = 1;
    p->n_red = 1;
    for (int k = (int)in.ndims - 1; k >= 0; k--) {
        p->dims[k] = in.dims[k];
        p->ostride[k] = reduced[k] ? 0 : (int32_t)p->n_out;
        if (reduced[k]) {
            p->n_red *= (uint32_t)in.dims[k];
        } else {
            p->n_out *= (uint32_t)in.dims[k];
        }
    }
    if (out.elems != p->n_out) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output shape does not match the reduction");
    }
    op->in[1] = ENG_NO_TENSOR; /* the axes were read at load time */
    op->eval = red_eval;
    op->params = p;
    return ENGINE_OK;
}
