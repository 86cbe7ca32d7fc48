/* Fixed-point quantization arithmetic, bit-identical to TFLite Micro's
 * reference kernels (tensorflow/lite/kernels/internal/common.h,
 * quantization_util.cc and gemmlowp's fixedpoint.h).
 *
 * TFLM has two MultiplyByQuantizedMultiplier variants chosen at build time by
 * TFLITE_SINGLE_ROUNDING. The default (macro undefined, which is what the
 * tflite-micro Python package and the stock TFLM Makefile use) is the
 * "double rounding" one: a saturating rounding doubling high multiply (the
 * ARM VQRDMULH semantics) followed by a rounding right shift. Define
 * ENGINE_SINGLE_ROUNDING=1 to match a TFLM built with
 * TFLITE_SINGLE_ROUNDING=1 (one 64-bit multiply and one rounding shift).
 *
 * Right shifts of negative values are arithmetic (GCC and Clang guarantee
 * it; C11 leaves it implementation-defined). */
#ifndef ENG_QUANT_H
#define ENG_QUANT_H

#include <stdint.h>

#ifndef ENGINE_SINGLE_ROUNDING
#define ENGINE_SINGLE_ROUNDING 0
#endif

/* Leading zero bits of x (32 for 0); a plain loop, no compiler builtin. */
static inline int q_clz32(uint32_t x)
{
    int n = 0;
    while (n < 32 && (x & 0x80000000u) == 0u) {
        x <<= 1;
        n++;
    }
    return n;
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties away
 * from zero, with INT32_MIN * INT32_MIN saturated. gemmlowp divides the
 * nudged 64-bit product by 2^31 (truncating toward zero); the shift form
 * below is the same value without a 64-bit division call on Cortex-M. */
static inline int32_t q_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t x = ab + (ab >= 0 ? (int64_t)(1 << 30) : (int64_t)(1 - (1 << 30)));
    if (x < 0) {
        x += ((int64_t)1 << 31) - 1; /* truncate toward zero */
    }
    return (int32_t)(x >> 31);
}

/* gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from
 * zero. 0 <= e <= 31. */
static inline int32_t q_rdbp(int32_t x, int e)
{
    const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* TFLM MultiplyByQuantizedMultiplier(int32 x, multiplier, shift): x times
 * multiplier / 2^31 times 2^shift. shift is in [-31, 30] (checked at load).
 * The left shift wraps like TFLM's int32 arithmetic does in practice. */
static inline int32_t q_mul(int32_t x, int32_t m, int shift)
{
#if ENGINE_SINGLE_ROUNDING
    const int total = 31 - shift;
    int64_t r = (int64_t)x * (int64_t)m + ((int64_t)1 << (total - 1));
    return (int32_t)(r >> total);
#else
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return q_rdbp(q_srdhm((int32_t)((uint32_t)x << left), m), right);
#endif
}

/* TFLM QuantizeMultiplier: m = q * 2^shift with q in [0.5, 1) as Q0.31,
 * computed with frexp and round in double precision. Returns 0, or -1 when
 * the multiplier is not a finite positive number whose shift fits [-31, 30]
 * (TFLM would compute garbage or abort for those). */
int q_quantize_multiplier(double m, int32_t *qm, int *shift);

/* TFLM CalculateActivationRangeQuantized for a fused activation code
 * (0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6) and an output of [qmin, qmax]
 * with the given scale and zero point. Returns -1 for an unsupported code or
 * an out-of-range bound. */
int q_activation_range(uint8_t act, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                       int32_t *act_min, int32_t *act_max);

/* gemmlowp fixed point (raw int32 values, "Qm" = m integer bits):
 * SaturatingRoundingMultiplyByPOT with exponent e > 0; exp_on_negative_values
 * for a <= 0 in Q(int_bits), int_bits <= 5, result Q0.31;
 * one_over_one_plus_x_for_x_in_0_1 and one_minus_x_over_one_plus_x_for_x_in_0_1
 * (Q0.31 in and out); logistic and tanh of a Q(int_bits) value, Q0.31 out. */
int32_t q_sat_shl(int32_t x, int e);
int32_t q_exp_negative(int32_t a, int int_bits);
int32_t q_one_over_one_plus(int32_t a);
int32_t q_one_minus_over_one_plus(int32_t a);
int32_t q_logistic(int32_t a, int int_bits);
int32_t q_tanh(int32_t a, int int_bits);

/* TFLM's MultiplyByQuantizedMultiplier for an int64 x (16x8 kernels with
 * int64 bias): the multiplier is first reduced to Q0.15 (rounded, capped at
 * 0x7FFF), then one rounding shift by 15 - shift. The same in both rounding
 * modes. TFLM requires |x| < 2^47 (valid models stay far below); beyond
 * that the product wraps modulo 2^64 here instead of overflowing (a hostile
 * model gets garbage, not undefined behaviour). shift in [-31, 7]. */
static inline int32_t q_mul64(int64_t x, int32_t m, int shift)
{
    const int32_t red = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
    /* shifts above 7 fail TFLM's check; keep the shift count defined anyway */
    const int total = shift > 14 ? 1 : 15 - shift;
    const uint64_t p = (uint64_t)x * (uint64_t)(int64_t)red + ((uint64_t)1 << (total - 1));
    return (int32_t)((int64_t)p >> total);
}

/* a + b modulo 2^64 (int64 sums with a hostile int64 bias must not overflow) */
static inline int64_t q_add64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* TFLM's int16 LOGISTIC / TANH (reference_integer_ops, also the integer
 * LSTM's gates): input x * mult rounded right by shift (mult 0: the
 * power-of-two case, x * (3 << shift)), then the 256-entry sigmoid table
 * interpolated; output Q0.15. */
int16_t q_logistic16(int16_t x, int32_t mult, int32_t shift);
int16_t q_tanh16(int16_t x, int32_t mult, int32_t shift);

/* A float that is finite and > 0 (scales). */
int q_scale_ok(float s);

#endif
