/* Requantization for the optimized kernels: TFLM's
 * MultiplyByQuantizedMultiplier, bit-identical to q_mul() for every
 * multiplier the loader produces (q_quantize_multiplier gives m in
 * [0, 2^31 - 1], never INT32_MIN), in about half the instructions.
 *
 * gemmlowp's SaturatingRoundingDoublingHighMul adds a nudge of 2^30 (or
 * 1 - 2^30 when a*b < 0) and divides by 2^31 truncating toward zero. For
 * a*b < 0 that truncation is floor((a*b + 1 - 2^30 + 2^31 - 1) / 2^31) =
 * floor((a*b + 2^30) / 2^31), the same expression as for a*b >= 0; so the
 * whole thing is one 64-bit multiply-accumulate (SMLAL) and a shift, and
 * the saturation case (both operands INT32_MIN) cannot occur. */
#ifndef ENG_K_REQUANT_H
#define ENG_K_REQUANT_H

#include <stdint.h>

#include "../quant.h"

static inline int32_t k_rq_mul(int32_t x, int32_t m, int shift)
{
#if ENGINE_SINGLE_ROUNDING
    return q_mul(x, m, shift);
#else
    /* right = left - shift keeps one code path (GCC would otherwise
     * duplicate the multiply for shift > 0 and shift <= 0). */
    const int left = shift > 0 ? shift : 0;
    const int right = left - shift;
    const int64_t p = (int64_t)(int32_t)((uint32_t)x << left) * m + ((int64_t)1 << 30);
    const int32_t v = (int32_t)(p >> 31);
    /* gemmlowp RoundingDivideByPOT, as q_rdbp. */
    const int32_t mask = (int32_t)((1u << right) - 1u);
    const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)v >> 31);
    return (v >> right) + ((v & mask) > threshold ? 1 : 0);
#endif
}

/* Requantize one accumulator to int8: multiplier, output zero point, fused
 * activation clamp (TFLM's order: max first, then min). */
static inline int8_t k_requant(uint32_t acc, int32_t m, int shift, int32_t out_offset, int32_t lo, int32_t hi)
{
    int32_t v = k_rq_mul((int32_t)acc, m, shift) + out_offset;
    v = v > lo ? v : lo;
    return (int8_t)(v < hi ? v : hi);
}

#endif
