/* PAD and PADV2 (any element type): the output is filled with the pad
 * value, then the input is copied into its interior with a k_walk. As in
 * TFLM, the bytes are not requantized: PAD pads with the output's zero point,
 * PADV2 with its constant_values element as stored, and the input is copied
 * as is (TFLM assumes input and output share their quantization). */
#include <string.h>

#include "k_common.h"

typedef struct {
    k_walk w;
    uint32_t n_out;
    uint8_t value[8]; /* one element of padding */
} pad_params;

static int pad_eval(const eng_op *op, uint8_t *const *tdata)
{
    const pad_params *p = op->params;
    uint8_t *out = tdata[op->out];
    const size_t es = p->w.esize;
    for (uint32_t i = 0; i < p->n_out; i++) {
        memcpy(out + i * es, p->value, es);
    }
    k_walk_copy(&p->w, tdata[op->in[0]], out);
    return ENGINE_OK;
}

static int pad_value(ld_ctx *c, const op_view *ov, const tview *in, const tview *out, pad_params *p)
{
    if (ov->n_in < 3u || ov->in[2] < 0) {
        /* PAD: the output zero point, or 0 for unquantized types */
        const int32_t zp = out->zero_point;
        const size_t es = p->w.esize;
        if (es == 1u) {
            p->value[0] = (uint8_t)(int8_t)zp;
        } else if (es == 2u) {
            const int16_t v = (int16_t)zp;
            memcpy(p->value, &v, 2);
        } else if (in->type == T_INT32) {
            memcpy(p->value, &zp, 4);
        } /* float32 / int64: 0 */
        return ENGINE_OK;
    }
    tview v;
    int r = ld_tensor(c, (uint32_t)ov->in[2], &v);
    if (r != ENGINE_OK || (r = ld_need_type(c, ov, &v, in->type)) != ENGINE_OK ||
        (r = ld_need_const(c, ov, &v)) != ENGINE_OK) {
        return r;
    }
    if (v.elems != 1u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "constant_values must hold one element");
    }
    memcpy(p->value, v.data, p->w.esize);
    return ENGINE_OK;
}

int k_prep_pad(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview in, out;
    int r;
    if ((r = k_data_tensors(c, ov, &in, &out)) != ENGINE_OK) {
        return r;
    }
    const int32_t *pads = k_const_i32(c, ov, ov->in[1], 2u * in.ndims, &r);
    pad_params *p = pads == NULL ? NULL : ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return pads == NULL ? r : ENGINE_ARENA_TOO_SMALL;
    }
    if (out.ndims != in.ndims) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "output rank differs from the input");
    }
    int32_t out_stride[ENGINE_MAX_DIMS];
    p->n_out = k_strides(out.dims, out.ndims, out_stride);
    p->w.nd = in.ndims;
    p->w.esize = (uint8_t)k_esize(in.type);
    k_strides(in.dims, in.ndims, p->w.src_step);
    for (uint32_t k = 0; k < in.ndims; k++) {
        const int32_t before = pads[2u * k], after = pads[2u * k + 1u];
        if (before < 0 || after < 0 || (int64_t)in.dims[k] + before + after != out.dims[k]) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "paddings do not match the output shape");
        }
        p->w.count[k] = in.dims[k];
        p->w.dst_step[k] = out_stride[k];
        p->w.dst_base += before * out_stride[k];
    }
    if ((r = pad_value(c, ov, &in, &out, p)) != ENGINE_OK) {
        return r;
    }
    op->in[1] = op->in[2] = ENG_NO_TENSOR;
    op->eval = pad_eval;
    op->params = p;
    return ENGINE_OK;
}
