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

/* 65536 * sigmoid(i / 24) for i = 0..255 in unsigned Q0.16 (the top entry
 * saturated to 65535): the values of TFLM's sigmoid_table_uint16, which its
 * int16 LOGISTIC/TANH kernels and the integer LSTM interpolate. The entries
 * are TFLM's own (not recomputed: 44 of them differ by one from a plain
 * round(), and bit-exactness needs the same table). */
static const uint16_t k_sigmoid_u16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};

/* |v| as unsigned (no overflow for INT32_MIN). */
static uint32_t q_uabs(int32_t v)
{
    return v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
}

/* x * mult, rounded right by shift (TFLM's int16 LOGISTIC/TANH input
 * scaling; mult 0 means "3 << shift, no shift"). Kept modulo 2^32 as
 * TFLM's int32 product behaves in practice. */
static int32_t q_scale16(int16_t x, int32_t mult, int32_t shift)
{
    if (mult == 0) {
        mult = (int32_t)(3u << (uint32_t)shift);
        shift = 0;
    }
    const uint32_t round = shift > 0 ? 1u << (uint32_t)(shift - 1) : 0u;
    return (int32_t)((uint32_t)x * (uint32_t)mult + round) >> shift;
}

int16_t q_logistic16(int16_t x, int32_t mult, int32_t shift)
{
    const int32_t v = q_scale16(x, mult, shift);
    const uint32_t a = q_uabs(v);
    const uint32_t uh = a >> 9; /* table step: 2^9 input units */
    uint32_t r;
    if (uh >= 255u) {
        r = 0x7FFFu << 10;
    } else {
        const uint32_t ua = k_sigmoid_u16[uh], ub = k_sigmoid_u16[uh + 1u];
        r = (ua << 9) + (a & 0x1FFu) * (ub - ua); /* linear interpolation */
    }
    /* sigmoid(-x) = 1 - sigmoid(x); both sides round half up at bit 10 */
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    return (int16_t)(r >> 10);
}

int16_t q_tanh16(int16_t x, int32_t mult, int32_t shift)
{
    const int32_t v = q_scale16(x, mult, shift);
    const uint32_t a = q_uabs(v);
    const uint32_t uh = a >> 8; /* tanh(x) = 2 sigmoid(2x) - 1: half the step */
    int32_t r;
    if (uh >= 255u) {
        r = 0xFFFF << 8;
    } else {
        const uint32_t ua = k_sigmoid_u16[uh], ub = k_sigmoid_u16[uh + 1u];
        r = (int32_t)((ua << 8) + (a & 0xFFu) * (ub - ua));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)(r >> 8); /* arithmetic shift, then TFLM's int16 narrowing */
}
