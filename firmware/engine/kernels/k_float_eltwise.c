/* float32 ADD, SUB, MUL (NumPy broadcasting up to 6-D, fused activation) and
 * RELU, RELU6, LEAKY_RELU: one IEEE operation per element, so only the
 * comparisons need care. TFLM's standalone activations (activations_common,
 * leaky_relu.h) are val < 0 ? 0 : val, val > 6 ? 6 : val < 0 ? 0 : val and
 * val > 0 ? val : val * alpha: -0.0 and NaN pass through unchanged, as
 * here. The fused clamp is kf_clamp. */
#include "k_float.h"

enum { ARITH_ACT = 0 };
enum { LEAKY_ALPHA = 0 };

typedef struct {
    int32_t out_dims[ENGINE_MAX_DIMS];
    int32_t sa[ENGINE_MAX_DIMS], sb[ENGINE_MAX_DIMS]; /* element strides, 0 where broadcast */
    uint8_t kind;
    kf_range act;
} kbin_params;

typedef struct {
    uint32_t n;
    uint8_t kind;
    float alpha;
} kun_params;

static float bin_one(uint8_t kind, float a, float b)
{
    switch (kind) {
    case OP_ADD:
        return a + b;
    case OP_SUB:
        return a - b;
    default:
        return a * b;
    }
}

static int bin_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kbin_params *p = op->params;
    const float *a = kf_in(tdata, op->in[0]);
    const float *b = kf_in(tdata, op->in[1]);
    float *out = kf_out(tdata, op->out);
    int32_t idx[ENGINE_MAX_DIMS] = {0};
    uint32_t ia = 0, ib = 0;
    const int32_t *d = p->out_dims;
    const uint32_t n = (uint32_t)(d[0] * d[1] * d[2] * d[3] * d[4] * d[5]);
    for (uint32_t i = 0; i < n; i++) {
        out[i] = kf_clamp(bin_one(p->kind, a[ia], b[ib]), p->act);
        for (int k = ENGINE_MAX_DIMS - 1; k >= 0; k--) { /* odometer over the output index */
            ia += (uint32_t)p->sa[k];
            ib += (uint32_t)p->sb[k];
            if (++idx[k] < d[k]) {
                break;
            }
            ia -= (uint32_t)(p->sa[k] * d[k]);
            ib -= (uint32_t)(p->sb[k] * d[k]);
            idx[k] = 0;
        }
    }
    return ENGINE_OK;
}

int kf_prep_binary(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview a, b, out;
    uint8_t act;
    int r;
    if (ov->n_in != 2u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs two inputs");
    }
    if ((r = kf_tensor(c, ov, ov->in[0], &a)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->in[1], &b)) != ENGINE_OK ||
        (r = kf_tensor(c, ov, ov->out, &out)) != ENGINE_OK || (r = k_opt_u8(c, ov, ARITH_ACT, 0, &act)) != ENGINE_OK) {
        return r;
    }
    kbin_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->kind = (uint8_t)ov->code;
    const uint32_t lead = ENGINE_MAX_DIMS - (uint32_t)out.ndims;
    for (uint32_t i = 0; i < ENGINE_MAX_DIMS; i++) {
        p->out_dims[i] = i < lead ? 1 : out.dims[i - lead];
    }
    if (k_broadcast_strides(&a, p->out_dims, p->sa) != 0 || k_broadcast_strides(&b, p->out_dims, p->sb) != 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input shapes do not broadcast to the output shape");
    }
    if ((r = kf_act_range(c, ov, act, &p->act)) != ENGINE_OK) {
        return r;
    }
    op->eval = bin_eval;
    op->params = p;
    return ENGINE_OK;
}

static int un_eval(const eng_op *op, uint8_t *const *tdata)
{
    const kun_params *p = op->params;
    const float *in = kf_in(tdata, op->in[0]);
    float *out = kf_out(tdata, op->out);
    for (uint32_t i = 0; i < p->n; i++) {
        const float v = in[i];
        switch (p->kind) {
        case OP_RELU:
            out[i] = v < 0.0f ? 0.0f : v;
            break;
        case OP_RELU6:
            out[i] = v > 6.0f ? 6.0f : v < 0.0f ? 0.0f : v;
            break;
        default: /* LEAKY_RELU; alpha may be negative or above 1 */
            out[i] = v > 0.0f ? v : v * p->alpha;
            break;
        }
    }
    return ENGINE_OK;
}

int kf_prep_unary(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if (ov->n_in != 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = kf_tensor(c, ov, ov->in[0], &in)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    if (in.elems != out.elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output sizes differ");
    }
    kun_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->n = in.elems;
    p->kind = (uint8_t)ov->code;
    if (ov->code == OP_LEAKY_RELU && (r = k_opt_f32(c, ov, LEAKY_ALPHA, 0.0f, &p->alpha)) != ENGINE_OK) {
        return r;
    }
    op->eval = un_eval;
    op->params = p;
    return ENGINE_OK;
}
