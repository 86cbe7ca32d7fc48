/* Small helpers shared by the kernels. */
#ifndef ENG_K_COMMON_H
#define ENG_K_COMMON_H

#include <stdint.h>
#include <string.h>

#include "../engine_int.h"

/* Build-time kernel choice: 1 selects the blocked SXTB16/SMLAD kernels
 * (k_conv_dsp.c, k_fc.c) where an operator's shape allows; 0 keeps only the
 * portable reference loops. Ports whose CPU has the DSP extension
 * (Cortex-M4/M7/M33) set it; the host tests build both. */
#ifndef ENGINE_KERNELS_DSP
#define ENGINE_KERNELS_DSP 0
#endif

/* Clamp in TFLM's order: max with the lower bound first, then min with the
 * upper one (so a degenerate range yields the upper bound, like TFLM). */
static inline int32_t k_clamp(int32_t v, int32_t lo, int32_t hi)
{
    v = v > lo ? v : lo;
    return v < hi ? v : hi;
}

/* Accumulators of the multiply-accumulate loops are kept modulo 2^32
 * (uint32_t), which is what TFLM's int32 sums do on real hardware when they
 * overflow; valid models never overflow, but a hostile one must not be able
 * to trigger signed-overflow undefined behaviour. k_acc() turns the sum back
 * into int32 (GCC and Clang convert modulo 2^32). */
typedef uint32_t k_acc_t;

static inline k_acc_t k_mac(k_acc_t acc, int32_t a, int32_t b)
{
    return acc + (uint32_t)(a * b); /* |a * b| < 2^16 for int8 operands */
}

static inline int32_t k_acc(k_acc_t acc, const int32_t *bias, uint32_t i)
{
    return (int32_t)(bias != NULL ? acc + (uint32_t)bias[i] : acc);
}

/* Element i of an int64 constant (16x8 biases), which may be only 4-byte
 * aligned in the model: read without assuming 8-byte alignment. */
static inline int64_t k_i64(const void *p, uint32_t i)
{
    int64_t v;
    memcpy(&v, (const uint8_t *)p + 8u * i, sizeof v);
    return v;
}

/* Spatial sizes (image, dilated filter, pooling window side) are limited to
 * 2^24 so that no index arithmetic in the 2-D kernels can overflow. */
#define K_MAX_SPATIAL (1 << 24)

/* Per-channel requantization parameters, in the arena. */
typedef struct {
    const int32_t *mult;
    const int8_t *shift;
} k_chan_q;

/* Compute n per-channel multipliers input_scale * filter_scale[i] /
 * output_scale in double precision, as TFLM's
 * PopulateConvolutionQuantizationParams does (a single filter scale is
 * broadcast to all channels). */
int k_chan_multipliers(ld_ctx *c, const op_view *ov, const tview *in, const tview *filter, const tview *out,
                       uint32_t n, k_chan_q *q);

/* Read a uint8/int32 option with the schema default; FB errors become a
 * MODEL_INVALID naming the operator. */
int k_opt_u8(ld_ctx *c, const op_view *ov, unsigned id, uint8_t def, uint8_t *v);
int k_opt_i32(ld_ctx *c, const op_view *ov, unsigned id, int32_t def, int32_t *v);
int k_opt_f32(ld_ctx *c, const op_view *ov, unsigned id, float def, float *v);

/* The 32-bit bias of a conv/fc operator: absent, or constant int32 with n
 * elements. */
int k_bias(ld_ctx *c, const op_view *ov, uint32_t n);

/* CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: in[0] an int8 input,
 * in[1] constant int8 weights, an int8 output, input and output quantized.
 * `missing` is the message when the op lacks the input or weights. */
int k_weighted_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out, const char *missing);
/* The same, also accepting 16x8 (int16 input and output, int8 weights). */
int k_weighted_tensors16(ld_ctx *c, const op_view *ov, tview *in, tview *w, tview *out, const char *missing);

/* The bias of a 16x8 conv/fc operator: absent, or constant int32 or int64
 * with n elements. *acc64 says whether TFLM accumulates in int64 for it:
 * an int64 bias, or none and the options' quantized_bias_type (option id
 * qbt_id, a TensorType, default FLOAT32) is not INT32; qbt_id < 0: the op
 * has no such option (always int64, and an int32 bias is refused). */
int k_bias16(ld_ctx *c, const op_view *ov, uint32_t n, int qbt_id, uint8_t *acc64);

/* Reserve `bytes` of run-time scratch for an operator. All operators share
 * one area after the activations (its size is the largest request, counted
 * in engine_arena_used()); the returned tdata slot holds its address, 8-byte
 * aligned, at eval time. Contents do not survive between operators. */
uint16_t k_scratch(ld_ctx *c, uint32_t bytes);

/* A strided element copy over up to ENGINE_MAX_DIMS axes (row-major, last
 * axis fastest): element (i0..in) goes from src[src_base + sum(i_k *
 * src_step[k])] to dst[dst_base + sum(i_k * dst_step[k])], esize bytes
 * each. Slices, transposes, padding, space/depth rearrangements and
 * concatenations are all instances. Steps and bases count elements. */
typedef struct {
    uint8_t nd, esize;
    int32_t count[ENGINE_MAX_DIMS];
    int32_t src_step[ENGINE_MAX_DIMS], dst_step[ENGINE_MAX_DIMS];
    int32_t src_base, dst_base;
} k_walk;

void k_walk_copy(const k_walk *w, const uint8_t *src, uint8_t *dst);

/* Product of n dimensions. */
uint32_t k_elems(const int32_t *dims, uint32_t n);

/* Row-major element strides of a shape; returns the element count. */
uint32_t k_strides(const int32_t *dims, uint32_t nd, int32_t *stride);

/* Element size of a tensor type the data-movement ops accept (int8, int16,
 * int32, int64, float32), 0 otherwise. */
uint32_t k_esize(uint8_t type);

/* The eval of a prepared k_walk (params) from input 0 to output 0. */
int k_walk_eval(const eng_op *op, uint8_t *const *tdata);

/* Input 0 and output 0 of one data type with a known element size
 * (k_slice.c); a constant int32 operand of n elements, NULL with *r set
 * otherwise. */
int k_data_tensors(ld_ctx *c, const op_view *ov, tview *in, tview *out);
const int32_t *k_const_i32(ld_ctx *c, const op_view *ov, int32_t idx, uint32_t n, int *r);

/* NumPy broadcasting: right-align t's shape to ENGINE_MAX_DIMS against out
 * (already right-aligned, leading 1s) and give its element strides, 0 along
 * broadcast axes. Returns -1 when t does not broadcast to out. */
int k_broadcast_strides(const tview *t, const int32_t out[ENGINE_MAX_DIMS], int32_t stride[ENGINE_MAX_DIMS]);

#endif
