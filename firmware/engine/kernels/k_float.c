/* float32 operators: the dispatch from engine.c and the shared checks. */
#include "k_float.h"

#include <float.h>

#include "../msg.h"

/* An OPS= build (engine.mk) defines TF_OP_<NAME> 0/1; an op left out gets no
 * float kernel either (the constant condition lets --gc-sections drop it). */
#ifdef TF_OPS_SELECTED
#define KF_ON(name) TF_OP_##name
#else
#define KF_ON(name) 1
#endif

enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU_N1_TO_1 = 2, ACT_RELU6 = 3 };

int kf_act_range(ld_ctx *c, const op_view *ov, uint8_t act, kf_range *r)
{
    switch (act) {
    case ACT_NONE:
        r->lo = -FLT_MAX;
        r->hi = FLT_MAX;
        return ENGINE_OK;
    case ACT_RELU:
        r->lo = 0.0f;
        r->hi = FLT_MAX;
        return ENGINE_OK;
    case ACT_RELU_N1_TO_1:
        r->lo = -1.0f;
        r->hi = 1.0f;
        return ENGINE_OK;
    case ACT_RELU6:
        r->lo = 0.0f;
        r->hi = 6.0f;
        return ENGINE_OK;
    default:
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u (%s): unsupported fused activation %u",
                        (unsigned)ov->index, ov->name, (unsigned)act);
    }
}

int kf_tensor(ld_ctx *c, const op_view *ov, int32_t idx, tview *t)
{
    if (idx < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "a required tensor is absent");
    }
    int r = ld_tensor(c, (uint32_t)idx, t);
    return r != ENGINE_OK ? r : ld_need_type(c, ov, t, T_FLOAT32);
}

typedef int (*kf_prep_fn)(ld_ctx *c, const op_view *ov, eng_op *op);

int k_prep_float(ld_ctx *c, const op_view *ov, eng_op *op)
{
    if (!ENGINE_FLOAT) {
        return K_NOT_FLOAT; /* constant: the float kernels are not referenced */
    }
    kf_prep_fn fn = NULL;
    switch (ov->code) {
    case OP_FULLY_CONNECTED:
        fn = KF_ON(FULLY_CONNECTED) ? kf_prep_fc : NULL;
        break;
    case OP_CONV_2D:
        fn = KF_ON(CONV_2D) ? kf_prep_conv : NULL;
        break;
    case OP_DEPTHWISE_CONV_2D:
        fn = KF_ON(DEPTHWISE_CONV_2D) ? kf_prep_dwconv : NULL;
        break;
    case OP_AVERAGE_POOL_2D:
        fn = KF_ON(AVERAGE_POOL_2D) ? kf_prep_pool : NULL;
        break;
    case OP_MAX_POOL_2D:
        fn = KF_ON(MAX_POOL_2D) ? kf_prep_pool : NULL;
        break;
    case OP_ADD:
        fn = KF_ON(ADD) ? kf_prep_binary : NULL;
        break;
    case OP_SUB:
        fn = KF_ON(SUB) ? kf_prep_binary : NULL;
        break;
    case OP_MUL:
        fn = KF_ON(MUL) ? kf_prep_binary : NULL;
        break;
    case OP_RELU:
        fn = KF_ON(RELU) ? kf_prep_unary : NULL;
        break;
    case OP_RELU6:
        fn = KF_ON(RELU6) ? kf_prep_unary : NULL;
        break;
    case OP_LEAKY_RELU:
        fn = KF_ON(LEAKY_RELU) ? kf_prep_unary : NULL;
        break;
    case OP_LOGISTIC:
        fn = KF_ON(LOGISTIC) ? kf_prep_exp : NULL;
        break;
    case OP_TANH:
        fn = KF_ON(TANH) ? kf_prep_exp : NULL;
        break;
    case OP_SOFTMAX:
        fn = KF_ON(SOFTMAX) ? kf_prep_exp : NULL;
        break;
    case OP_MEAN:
        fn = KF_ON(MEAN) ? kf_prep_reduce : NULL;
        break;
    case OP_SUM:
        fn = KF_ON(SUM) ? kf_prep_reduce : NULL;
        break;
    case OP_REDUCE_MAX:
        fn = KF_ON(REDUCE_MAX) ? kf_prep_reduce : NULL;
        break;
    case OP_REDUCE_MIN:
        fn = KF_ON(REDUCE_MIN) ? kf_prep_reduce : NULL;
        break;
    case OP_MAXIMUM:
        fn = KF_ON(MAXIMUM) ? kf_prep_binary : NULL;
        break;
    case OP_MINIMUM:
        fn = KF_ON(MINIMUM) ? kf_prep_binary : NULL;
        break;
    case OP_SQUARED_DIFFERENCE:
        fn = KF_ON(SQUARED_DIFFERENCE) ? kf_prep_binary : NULL;
        break;
    case OP_PRELU:
        fn = KF_ON(PRELU) ? kf_prep_binary : NULL;
        break;
    case OP_HARD_SWISH:
        fn = KF_ON(HARD_SWISH) ? kf_prep_unary : NULL;
        break;
    case OP_NEG:
    case OP_SQRT:
    case OP_RSQRT:
    case OP_SQUARE:
    case OP_ABS:
    case OP_ELU:
        fn = kf_prep_unary; /* ops.def entries of their own: built in only when selected */
        break;
    default:
        break;
    }
    if (fn == NULL || ov->n_in < 1u || ov->in[0] < 0) {
        return K_NOT_FLOAT;
    }
    tview t;
    int r = ld_tensor(c, (uint32_t)ov->in[0], &t);
    if (r != ENGINE_OK) {
        return r;
    }
    return t.type == T_FLOAT32 ? fn(c, ov, op) : K_NOT_FLOAT;
}

int k_prep_float_only(ld_ctx *c, const op_view *ov, eng_op *op)
{
    int r = k_prep_float(c, ov, op);
    return r != K_NOT_FLOAT ? r : ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "supports float32 tensors only");
}
