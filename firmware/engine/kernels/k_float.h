/* float32 kernels (k_float*.c): TFLM's reference_ops float loops.
 *
 * Bit-exactness rests on three things, kept in every file:
 *   - the same order of operations: each sum starts at 0.0f and adds the
 *     products in TFLM's loop order; the bias is added once at the end,
 *     also when absent (total + 0.0f turns a -0.0 sum into +0.0, as TFLM's
 *     `bias_value = 0.0f` does);
 *   - no contraction: a * b + c must stay two roundings. The firmware and
 *     test Makefiles build with -ffp-contract=off (an FPv4/FPv5 core has
 *     VFMA, and GCC contracts by default in GNU C mode);
 *   - TFLM's comparisons: std::max(a, b) is (a < b) ? b : a and std::min(a,
 *     b) is (b < a) ? b : a, which decides what NaN and -0.0 become.
 * LOGISTIC, TANH and SOFTMAX call the C library's expf/tanhf as TFLM does
 * (std::exp, std::tanh on float); their bits are those of the libm the
 * engine is linked with (glibc on the host, newlib on a board), see
 * k_float_exp.c. */
#ifndef ENG_K_FLOAT_H
#define ENG_K_FLOAT_H

#include "k_common.h"

/* Build switch: ENGINE_FLOAT=0 leaves every float kernel out (a float
 * operator then meets the int8 prepare step and its "expected INT8"). */
#ifndef ENGINE_FLOAT
#define ENGINE_FLOAT 1
#endif

/* k_prep_float's answer when the operator is not a float one (or this op has
 * no float kernel): engine.c then calls the ops.def prepare function. */
#define K_NOT_FLOAT (-1)

/* Float fused-activation range (TFLM's CalculateActivationRange<float>). */
typedef struct {
    float lo, hi;
} kf_range;

/* TFLM's ActivationFunctionWithMinMax: min(max(x, lo), hi) with std::
 * semantics (NaN passes through; NONE still clamps +-inf to +-FLT_MAX). */
static inline float kf_clamp(float x, kf_range r)
{
    x = x < r.lo ? r.lo : x;
    return r.hi < x ? r.hi : x;
}

static inline const float *kf_in(uint8_t *const *tdata, uint16_t t)
{
    return (const float *)(const void *)tdata[t];
}

static inline float *kf_out(uint8_t *const *tdata, uint16_t t)
{
    return (float *)(void *)tdata[t];
}

/* Fused activation code -> range; anything but NONE, RELU, RELU_N1_TO_1 and
 * RELU6 is refused (as for int8). */
int kf_act_range(ld_ctx *c, const op_view *ov, uint8_t act, kf_range *r);

/* Tensor idx as a float32 view (error naming the operator otherwise). */
int kf_tensor(ld_ctx *c, const op_view *ov, int32_t idx, tview *t);

/* Float entry: prepares the operator if its first input is float32 and a
 * float kernel exists for it, else returns K_NOT_FLOAT. */
int k_prep_float(ld_ctx *c, const op_view *ov, eng_op *op);

/* Per family. */
int kf_prep_fc(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_conv(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_dwconv(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_pool(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_binary(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_unary(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_exp(ld_ctx *c, const op_view *ov, eng_op *op);
int kf_prep_reduce(ld_ctx *c, const op_view *ov, eng_op *op);

#endif
