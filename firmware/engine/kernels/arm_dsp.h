/* Armv7E-M DSP (SIMD32) instructions used by the optimized kernels, with
 * portable C equivalents of identical semantics.
 *
 * On a core with the DSP extension (Cortex-M4/M7/M33/M55: the compiler
 * defines __ARM_FEATURE_DSP) each helper is one instruction. Elsewhere (the
 * host build that tests the optimized path under ASan/UBSan, or a Cortex-M0+
 * port that still wants the blocked loops) the C versions compute the same
 * 32-bit result bit for bit.
 *
 * Packed values are uint32_t: two signed 16-bit lanes, the "bottom" lane in
 * bits 0-15 and the "top" lane in bits 16-31. Accumulators are uint32_t as
 * well: SMLAD and SMLAxy add modulo 2^32 (they only set the sticky Q flag on
 * signed overflow, which nothing reads), exactly like the reference kernels'
 * k_acc_t, so a hostile model cannot provoke signed-overflow UB in C.
 *
 * Byte order: SXTB16 takes bytes 0 and 2 of a word, SXTB16 with ROR #8
 * bytes 1 and 3. A 4-byte dot product a.b is therefore
 *   SMLAD(SXTB16(a), SXTB16(b)) + SMLAD(SXTB16_ROR8(a), SXTB16_ROR8(b))
 * = a0*b0 + a2*b2 + a1*b1 + a3*b3: both operands go through the same
 * permutation, so neither weights nor activations need reordering in memory
 * (CMSIS-NN reorders its weights because it widens only the activations to
 * natural-order int16; here both sides are widened in registers). */
#ifndef ENG_ARM_DSP_H
#define ENG_ARM_DSP_H

#include <stdint.h>
#include <string.h>

/* A possibly unaligned little-endian word (one LDR on Armv7-M, which allows
 * unaligned single loads; rows of int8 weights are not word-aligned when
 * their length is not a multiple of 4). */
static inline uint32_t dsp_rd32(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void dsp_wr32(int8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

static inline uint32_t dsp_sxtb16(uint32_t x)
{
    return (uint32_t)__sxtb16((int32_t)x);
}

/* ACLE has no rotated form and GCC does not fuse a separate ROR into it. */
static inline uint32_t dsp_sxtb16_ror8(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline uint32_t dsp_smlad(uint32_t a, uint32_t b, uint32_t acc)
{
    return (uint32_t)__smlad((int32_t)a, (int32_t)b, (int32_t)acc);
}

static inline uint32_t dsp_smlabb(uint32_t a, uint32_t b, uint32_t acc)
{
    return (uint32_t)__smlabb((int32_t)a, (int32_t)b, (int32_t)acc);
}

static inline uint32_t dsp_smlatt(uint32_t a, uint32_t b, uint32_t acc)
{
    return (uint32_t)__smlatt((int32_t)a, (int32_t)b, (int32_t)acc);
}

static inline uint32_t dsp_sadd16(uint32_t a, uint32_t b)
{
    return (uint32_t)__sadd16((int32_t)a, (int32_t)b);
}

#else /* portable equivalents */

static inline int32_t dsp_lo(uint32_t x)
{
    return (int32_t)(int16_t)(uint16_t)(x & 0xFFFFu);
}

static inline int32_t dsp_hi(uint32_t x)
{
    return (int32_t)(int16_t)(uint16_t)(x >> 16);
}

static inline uint32_t dsp_pack(int32_t lo, int32_t hi)
{
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

/* Sign-extend bytes 0 and 2 into the two 16-bit lanes. */
static inline uint32_t dsp_sxtb16(uint32_t x)
{
    return dsp_pack((int8_t)(uint8_t)(x & 0xFFu), (int8_t)(uint8_t)((x >> 16) & 0xFFu));
}

/* Sign-extend bytes 1 and 3 (SXTB16 of the word rotated right by 8). */
static inline uint32_t dsp_sxtb16_ror8(uint32_t x)
{
    return dsp_pack((int8_t)(uint8_t)((x >> 8) & 0xFFu), (int8_t)(uint8_t)(x >> 24));
}

/* acc + lo*lo + hi*hi modulo 2^32 (each product fits int32). */
static inline uint32_t dsp_smlad(uint32_t a, uint32_t b, uint32_t acc)
{
    return acc + (uint32_t)(dsp_lo(a) * dsp_lo(b)) + (uint32_t)(dsp_hi(a) * dsp_hi(b));
}

static inline uint32_t dsp_smlabb(uint32_t a, uint32_t b, uint32_t acc)
{
    return acc + (uint32_t)(dsp_lo(a) * dsp_lo(b));
}

static inline uint32_t dsp_smlatt(uint32_t a, uint32_t b, uint32_t acc)
{
    return acc + (uint32_t)(dsp_hi(a) * dsp_hi(b));
}

/* Lane-wise add modulo 2^16 (SADD16 wraps; the callers never overflow:
 * int8 value + offset stays within [-255, 255]). */
static inline uint32_t dsp_sadd16(uint32_t a, uint32_t b)
{
    return dsp_pack(dsp_lo(a) + dsp_lo(b), dsp_hi(a) + dsp_hi(b));
}

#endif

/* Both 16-bit lanes set to v (an input offset for SADD16). */
static inline uint32_t dsp_dup16(int32_t v)
{
    return ((uint32_t)v & 0xFFFFu) * 0x00010001u;
}

#endif
