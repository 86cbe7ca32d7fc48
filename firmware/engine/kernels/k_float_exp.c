/* float32 LOGISTIC, TANH and SOFTMAX: TFLM's reference_ops float code, which
 * calls std::exp / std::tanh on floats, i.e. the C library's expf and tanhf.
 *
 * These are the only float kernels whose bits depend on something outside
 * the engine: the libm it is linked with. The host build uses the same
 * glibc as the tflite_micro Python package, so host results match TFLM bit
 * for bit; a board links newlib, whose expf/tanhf are not guaranteed to
 * round every input the same way as glibc's (neither is correctly rounded),
 * so a board may differ from TFLM-on-the-host by a few ULPs on some inputs
 * (measured and reported by the tests, not assumed to be zero).
 *
 * (ELU's expm1f, in k_float_eltwise.c, is in the same position.)
 *
 * LOGISTIC: 1.0f above 16.619047164916992188f, expf(x) below -9, else
 * 1 / (1 + expf(-x)), each step rounded to float.
 * SOFTMAX (per row of the last axis): max from -FLT_MAX with std::max; e_c =
 * expf((x_c - max) * beta) written to the output and summed from 0.0f in
 * order; then each output divided by the sum. */
#include "k_float.h"

#include <float.h>
#include <math.h>

enum { SOFTMAX_BETA = 0 };

typedef struct {
    uint32_t n, depth;
    uint8_t kind;
    float beta;
} kexp_params;

static float logistic(float v)
{
    const float cutoff_upper = 16.619047164916992188f;
    const float cutoff_lower = -9.0f;
    if (v > cutoff_upper) {
        return 1.0f;
    }
    if (v < cutoff_lower) {
        return expf(v);
    }
    return 1.0f / (1.0f + expf(-v));
}

static void softmax_row(const float *x, float *y, uint32_t depth, float beta)
{
    float max = -FLT_MAX;
    for (uint32_t k = 0; k < depth; k++) {
        max = max < x[k] ? x[k] : max;
    }
    float sum = 0.0f;
    for (uint32_t k = 0; k < depth; k++) {
        const float e = expf((x[k] - max) * beta);
        y[k] = e;
        sum += e;
    }
    for (uint32_t k = 0; k < depth; k++) {
        y[k] = y[k] / sum;
    }
}

static int exp_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kexp_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    float *out = kf_out(tdata, op->out);
    if (p->kind == OP_SOFTMAX) {
        for (uint32_t i = 0; i < p->n; i += p->depth) {
            softmax_row(in + i, out + i, p->depth, p->beta);
        }
        return ENGINE_OK;
    }
    for (uint32_t i = 0; i < p->n; i++) {
        out[i] = p->kind == OP_LOGISTIC ? logistic(in[i]) : tanhf(in[i]);
    }
    return ENGINE_OK;
}

int kf_prep_exp(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if (ov->n_in != 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = kf_tensor(c, ov, ov->in[0], &in)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    if (in.elems != out.elems || in.ndims < 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output sizes differ");
    }
    kexp_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = in.elems;
    p->depth = (uint32_t)in.dims[in.ndims - 1u];
    p->kind = (uint8_t)ov->code;
    /* schema default 0.0 (TFLM reads the field as is; converters write 1) */
    if (ov->code == OP_SOFTMAX && (r = k_opt_f32(c, ov, SOFTMAX_BETA, 0.0f, &p->beta)) != ENGINE_OK) {
        return r;
    }
    op->eval = exp_eval;
    op->params = p;
    return ENGINE_OK;
}
