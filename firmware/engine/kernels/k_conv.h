/* CONV_2D and DEPTHWISE_CONV_2D parameters, shared by the reference
 * kernels (k_conv.c) and the Armv7E-M ones (k_conv_dsp.c). */
#ifndef ENG_K_CONV_H
#define ENG_K_CONV_H

#include "k_common.h"

typedef struct {
    int32_t batches, in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, f_in_c; /* f_in_c: input channels per group (conv) */
    int32_t groups, depth_mult;
    int32_t stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
    k_chan_q q;
    /* Optimized kernels only: filter row length k_h * k_w * f_in_c, the
     * im2col row stride (rounded up to 4 bytes) and the tdata slot of the
     * shared run-time scratch. */
    int32_t k_len, k_pad, pointwise;
    uint16_t scratch;
    uint8_t wide, acc64; /* 16x8 (int16 activations); its sum in int64 (int64 bias) */
} conv_params;

#if ENGINE_KERNELS_DSP
/* Pick the optimized kernel for a prepared operator when its shape allows
 * (else op->eval stays the reference one) and reserve its scratch. */
void k_conv_dsp_select(ld_ctx *c, conv_params *p, eng_op *op);
void k_dwconv_dsp_select(ld_ctx *c, conv_params *p, eng_op *op);
#endif

#endif
