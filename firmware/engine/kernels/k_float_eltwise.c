/* float32 ADD, SUB, MUL (fused activation), MAXIMUM, MINIMUM,
 * SQUARED_DIFFERENCE, PRELU (NumPy broadcasting up to 6-D) and RELU, RELU6,
 * LEAKY_RELU, HARD_SWISH: one or two IEEE operations per element, so only the
 * comparisons and the operation order need care. TFLM's forms:
 *   RELU        val < 0 ? 0 : val            RELU6  val > 6 ? 6 : val < 0 ? 0 : val
 *   LEAKY_RELU  val > 0 ? val : val * alpha  PRELU  a >= 0 ? a : a * alpha
 *   MAXIMUM     a > b ? a : b                MINIMUM a < b ? a : b
 *   SQUARED_DIFFERENCE  d = a - b; d * d
 *   HARD_SWISH  (in * min(6, max(0, in + 3))) / 6, std::min/max semantics
 *   NEG -x, ABS fabsf(x), SQUARE x * x, SQRT sqrtf(x), RSQRT 1 / sqrtf(x)
 *   (IEEE square roots are correctly rounded: exact everywhere), ELU
 *   x < 0 ? expm1f(x) : x (libm, like TANH: see k_float_exp.c)
 * (-0.0 and NaN go where these comparisons send them, as here). Only ADD,
 * SUB and MUL have a fused activation (kf_clamp, which also turns +-inf into
 * +-FLT_MAX under NONE, as TFLM does); the others are not clamped. */
#include "k_float.h"

#include <math.h>

enum { ARITH_ACT = 0 };
enum { LEAKY_ALPHA = 0 };

typedef struct {
    int32_t out_dims[ENGINE_MAX_DIMS];
    int32_t sa[ENGINE_MAX_DIMS], sb[ENGINE_MAX_DIMS]; /* element strides, 0 where broadcast */
    uint8_t kind, clamp;
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
    case OP_MAXIMUM:
        return a > b ? a : b;
    case OP_MINIMUM:
        return a < b ? a : b;
    case OP_SQUARED_DIFFERENCE: {
        const float d = a - b;
        return d * d;
    }
    case OP_PRELU:
        return a >= 0.0f ? a : a * b;
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
        const float v = bin_one(p->kind, a[ia], b[ib]);
        out[i] = p->clamp ? kf_clamp(v, p->act) : v;
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
    const int clamp = ov->code == OP_ADD || ov->code == OP_SUB || ov->code == OP_MUL;
    act = 0;
    if ((r = kf_tensor(c, ov, ov->in[0], &a)) != ENGINE_OK || (r = kf_tensor(c, ov, ov->in[1], &b)) != ENGINE_OK ||
        (r = kf_tensor(c, ov, ov->out, &out)) != ENGINE_OK ||
        (clamp && (r = k_opt_u8(c, ov, ARITH_ACT, 0, &act)) != ENGINE_OK)) {
        return r;
    }
    kbin_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->kind = (uint8_t)ov->code;
    p->clamp = (uint8_t)clamp;
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
        case OP_HARD_SWISH: {
            const float t = v + 3.0f;
            const float hi = 0.0f < t ? t : 0.0f; /* std::max(0, in + 3) */
            const float m = hi < 6.0f ? hi : 6.0f; /* std::min(6, ...) */
            out[i] = v * m / 6.0f;
            break;
        }
        case OP_NEG:
            out[i] = -v;
            break;
        case OP_ABS:
            out[i] = fabsf(v);
            break;
        case OP_SQUARE:
            out[i] = v * v;
            break;
        case OP_SQRT:
            out[i] = sqrtf(v);
            break;
        case OP_RSQRT:
            out[i] = 1.0f / sqrtf(v);
            break;
        case OP_ELU:
            out[i] = v < 0.0f ? expm1f(v) : v;
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
