/* QUANTIZE (float32 -> int8/int16, and int8/int16/int32 -> int8/int16/int32
 * requantization, the pairs TFLM accepts) and DEQUANTIZE (int8/int16 -> float32).
 *
 * Float quantization follows TFLM's AffineQuantize: the division by the
 * scale and the rounding (half away from zero) are done in single
 * precision. Requantization multiplies (x - zp_in) by the double-precision
 * ratio input_scale / output_scale, quantized like any other multiplier.
 * Dequantization computes scale * (x - zp) in double and rounds to float
 * once. NaN or out-of-int32-range floats are undefined behaviour in TFLM;
 * here they saturate (NaN goes to the zero point). */
#include <math.h>
#include <string.h>

#include "k_common.h"
#include "../quant.h"

typedef struct {
    uint32_t n;
    uint8_t in_type, out_type;
    int32_t in_zp, out_zp;
    float scale; /* float path: output scale; dequantize: input scale */
    int32_t mult;
    int shift;
} quant_params;

static int32_t load_int(const uint8_t *p, uint8_t type, uint32_t i)
{
    if (type == T_INT8) {
        return (int8_t)p[i];
    }
    if (type == T_INT32) {
        int32_t v;
        memcpy(&v, p + 4u * i, sizeof v);
        return v;
    }
    return (int16_t)(uint16_t)(p[2u * i] | (p[2u * i + 1u] << 8));
}

static void store_int(uint8_t *p, uint8_t type, uint32_t i, int32_t v)
{
    if (type == T_INT8) {
        p[i] = (uint8_t)(int8_t)k_clamp(v, -128, 127);
    } else if (type == T_INT32) {
        memcpy(p + 4u * i, &v, sizeof v);
    } else {
        uint16_t u = (uint16_t)(int16_t)k_clamp(v, -32768, 32767);
        p[2u * i] = (uint8_t)(u & 0xFFu);
        p[2u * i + 1u] = (uint8_t)(u >> 8);
    }
}

static int32_t quantize_float(float v, float scale, int32_t zp)
{
    const float r = roundf(v / scale);
    if (r != r) {
        return zp;
    }
    if (r >= 2147483520.0f) {
        return INT32_MAX;
    }
    if (r <= -2147483648.0f) {
        return INT32_MIN;
    }
    const int64_t q = (int64_t)(int32_t)r + zp;
    return q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : (int32_t)q;
}

static int quantize_eval(const eng_op *op, uint8_t *const *tdata)
{
    const quant_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    uint8_t *out = tdata[op->out];
    for (uint32_t i = 0; i < p->n; i++) {
        int32_t q;
        if (p->in_type == T_FLOAT32) {
            float v;
            memcpy(&v, in + 4u * i, sizeof v);
            q = quantize_float(v, p->scale, p->out_zp);
        } else {
            /* int32 arithmetic as TFLM's Requantize, wrapping (not UB) on
             * int32 inputs far from the zero point */
            const int32_t d = (int32_t)((uint32_t)load_int(in, p->in_type, i) - (uint32_t)p->in_zp);
            q = (int32_t)((uint32_t)q_mul(d, p->mult, p->shift) + (uint32_t)p->out_zp);
        }
        store_int(out, p->out_type, i, q);
    }
    return ENGINE_OK;
}

static int dequantize_eval(const eng_op *op, uint8_t *const *tdata)
{
    const quant_params *p = op->params;
    const uint8_t *in = tdata[op->in[0]];
    uint8_t *out = tdata[op->out];
    const double scale = (double)p->scale;
    for (uint32_t i = 0; i < p->n; i++) {
        const float v = (float)(scale * (double)(load_int(in, p->in_type, i) - p->in_zp));
        memcpy(out + 4u * i, &v, sizeof v);
    }
    return ENGINE_OK;
}

static int io(ld_ctx *c, const op_view *ov, tview *in, tview *out)
{
    int r;
    if (ov->n_in != 1u || ov->in[0] < 0) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs one input");
    }
    if ((r = ld_tensor(c, (uint32_t)ov->in[0], in)) != ENGINE_OK ||
        (r = ld_tensor(c, (uint32_t)ov->out, out)) != ENGINE_OK) {
        return r;
    }
    if (in->elems != out->elems) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output sizes differ");
    }
    return ENGINE_OK;
}

static int is_int(uint8_t type)
{
    return type == T_INT8 || type == T_INT16;
}

static quant_params *new_params(ld_ctx *c, const tview *in, const tview *out)
{
    quant_params *p = ld_alloc(c, sizeof *p);
    if (p != NULL) {
        p->n = in->elems;
        p->in_type = in->type;
        p->out_type = out->type;
        p->in_zp = in->zero_point;
        p->out_zp = out->zero_point;
    }
    return p;
}

int k_prep_quantize(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r = io(c, ov, &in, &out);
    if (r != ENGINE_OK) {
        return r;
    }
    /* TFLM's pairs: float32 -> int8/int16; int8/int16 -> int8/int16/int32;
     * int32 -> int8/int16 */
    const int ok = in.type == T_FLOAT32 ? is_int(out.type)
                   : is_int(in.type)    ? (is_int(out.type) || out.type == T_INT32)
                   : in.type == T_INT32 ? is_int(out.type)
                                        : 0;
    if (!ok) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED,
                          "supports float32/int8/int16 to int8/int16, int8/int16 to int32, int32 to int8/int16 only");
    }
    if ((r = ld_need_quant(c, ov, &out)) != ENGINE_OK ||
        (in.type != T_FLOAT32 && (r = ld_need_quant(c, ov, &in)) != ENGINE_OK)) {
        return r;
    }
    quant_params *p = new_params(c, &in, &out);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->scale = out.scale;
    if (in.type != T_FLOAT32) {
        r = ld_multiplier(c, ov, (double)in.scale / (double)out.scale, &p->mult, &p->shift);
    }
    op->eval = quantize_eval;
    op->params = p;
    return r;
}

int k_prep_dequantize(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r = io(c, ov, &in, &out);
    if (r != ENGINE_OK) {
        return r;
    }
    if (!is_int(in.type) || out.type != T_FLOAT32) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "supports int8/int16 to float32 only");
    }
    if ((r = ld_need_quant(c, ov, &in)) != ENGINE_OK) {
        return r;
    }
    quant_params *p = new_params(c, &in, &out);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->scale = in.scale;
    op->eval = dequantize_eval;
    op->params = p;
    return ENGINE_OK;
}
