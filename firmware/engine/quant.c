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

/* ---- gemmlowp fixed-point transcendental functions (int32 raw values) ---- */

int32_t q_sat_shl(int32_t x, int e)
{
    const int32_t threshold = (int32_t)(((int32_t)1 << (31 - e)) - 1);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8. */
static int32_t exp_quarter(int32_t a)
{
    const int32_t exp_m1_8 = 1895147668; /* exp(-1/8) */
    const int32_t one_third = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = q_srdhm(x, x);
    const int32_t x3 = q_srdhm(x2, x);
    const int32_t x4 = q_srdhm(x2, x2);
    const int32_t x4_over_4 = q_rdbp(x4, 2);
    const int32_t poly = q_rdbp(q_srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return exp_m1_8 + q_srdhm(exp_m1_8, x + poly);
}

int32_t q_exp_negative(int32_t a, int int_bits)
{
    /* exp(-2^k) for k = -2 .. 4, applied for each set bit of the remainder;
     * gemmlowp only applies the multipliers whose bit exists in the format
     * (k < int_bits). */
    static const int32_t k_exp_pow2[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1) */
        290630308,  /* exp(-2) */
        39332535,   /* exp(-4) */
        720401,     /* exp(-8) */
        242,        /* exp(-16) */
    };
    const int frac_bits = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter;
    int32_t result = exp_quarter(q_sat_shl(a_mod_quarter_minus_quarter, int_bits));
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int k = 0; k < 7 && k < int_bits + 2; k++) {
        if ((remainder & ((int32_t)1 << (frac_bits - 2 + k))) != 0) {
            result = q_srdhm(result, k_exp_pow2[k]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* Newton-Raphson for 1 / (1 + a), a in [0, 1) as Q0.31; the result x is
 * in Q2.29 (three iterations from 48/17 - 32/17 d, d = (1 + a) / 2). */
static int32_t recip_q2(int32_t a)
{
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + q_srdhm(half_den, -1010580540);
    for (int i = 0; i < 3; i++) {
        const int32_t one_minus = (1 << 29) - q_srdhm(half_den, x);
        x = x + q_sat_shl(q_srdhm(x, one_minus), 2);
    }
    return x;
}

int32_t q_one_over_one_plus(int32_t a)
{
    return q_sat_shl(recip_q2(a), 1); /* x / 2 in Q1.30 read as Q0.31 */
}

int32_t q_one_minus_over_one_plus(int32_t a)
{
    return q_sat_shl(recip_q2(a) - (1 << 29), 2); /* 2/(1+a) - 1 */
}

int32_t q_logistic(int32_t a, int int_bits)
{
    if (a == 0) {
        return 1 << 30; /* one half */
    }
    const int32_t pos = q_one_over_one_plus(q_exp_negative(a > 0 ? -a : a, int_bits));
    return a > 0 ? pos : INT32_MAX - pos;
}

int32_t q_tanh(int32_t a, int int_bits)
{
    if (a == 0) {
        return 0;
    }
    /* -tanh(-|a|) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)); the doubling is
     * exact: the same raw value read with one more integer bit. */
    const int32_t t = q_one_minus_over_one_plus(q_exp_negative(a < 0 ? a : -a, int_bits + 1));
    return a < 0 ? -t : t;
}
