#include "quant.h"

#include <math.h>

int q_scale_ok(float s)
{
    return s > 0.0f && s <= 3.0e38f; /* false for NaN and infinity */
}

int q_quantize_multiplier(double m, int32_t *qm, int *shift)
{
    *qm = 0;
    *shift = 0;
    if (!(m > 0.0) || !(m < 1.0e30)) {
        return m == 0.0 ? 0 : -1;
    }
    int s;
    const double q = frexp(m, &s);
    int64_t q_fixed = (int64_t)round(q * 2147483648.0);
    if (q_fixed == ((int64_t)1 << 31)) {
        q_fixed /= 2;
        ++s;
    }
    if (s < -31) {
        /* TFLM flushes multipliers below ~2^-31 to zero. */
        s = 0;
        q_fixed = 0;
    }
#if ENGINE_SINGLE_ROUNDING
    if (s > 30) {
        s = 30;
        q_fixed = ((int64_t)1 << 31) - 1;
    }
#endif
    if (s > 30) {
        return -1;
    }
    *qm = (int32_t)q_fixed;
    *shift = s;
    return 0;
}

/* TFLM's Quantize helper: zero_point + (int32)round(f / scale), computed in
 * single precision exactly as kernel_util.cc does. */
static int quantize_bound(float scale, int32_t zero_point, float f, int32_t *q)
{
    const float t = roundf(f / scale);
    if (!(t >= -2147483648.0f && t <= 2147483520.0f)) {
        return -1;
    }
    *q = zero_point + (int32_t)t;
    return 0;
}

int q_activation_range(uint8_t act, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                       int32_t *act_min, int32_t *act_max)
{
    int32_t lo = 0;
    int32_t hi = 0;
    *act_min = qmin;
    *act_max = qmax;
    switch (act) {
    case 0: /* NONE */
        return 0;
    case 1: /* RELU */
        if (quantize_bound(scale, zero_point, 0.0f, &lo) != 0) {
            return -1;
        }
        *act_min = lo > qmin ? lo : qmin;
        return 0;
    case 2: /* RELU_N1_TO_1 */
        if (quantize_bound(scale, zero_point, -1.0f, &lo) != 0 ||
            quantize_bound(scale, zero_point, 1.0f, &hi) != 0) {
            return -1;
        }
        break;
    case 3: /* RELU6 */
        if (quantize_bound(scale, zero_point, 0.0f, &lo) != 0 ||
            quantize_bound(scale, zero_point, 6.0f, &hi) != 0) {
            return -1;
        }
        break;
    default:
        return -1;
    }
    *act_min = lo > qmin ? lo : qmin;
    *act_max = hi < qmax ? hi : qmax;
    return 0;
}
