/* UNIDIRECTIONAL_SEQUENCE_LSTM, integer: TFLM's EvalLstm for int8
 * activations (int8 weights, int32 bias, int16 cell state) and 16x8 (int16
 * activations, int8 weights, int64 bias, int16 cell state).
 *
 * Inputs (24): 0 input [B, T, I] (or [T, B, I] when time_major), 1-4 input
 * weights of the input/forget/cell/output gates [S, I], 5-8 recurrent
 * weights [S, S], 12-15 gate biases [S], 18 hidden state [B, S] and 19 cell
 * state [B, S], both variable tensors kept in the arena between invocations.
 * Peepholes (9-11), projection (16-17) and layer norm (20-23) must be absent
 * and input-to-input weights present (no CIFG), as TFLM requires.
 *
 * One step, for a [rows, S] slice (rows = B when time-major, else 1):
 *   gate = act(FC(x, W) + FC(h, R)), each FC requantized to Q3.12 (scale
 *          2^-12, zero point 0) and saturated to int16, their sum saturated;
 *          act = sigmoid (TFLM's int16 table LOGISTIC, input times 3) or, for
 *          the cell gate, tanh; gates come out in Q0.15
 *   c    = sat16(mul(f, c) + mul(i, g)), each mul requantized by the double
 *          product of the scales (2^-15 * s_c / s_c and 2^-30 / s_c), then
 *          clipped to +-round-toward-zero(cell_clip / s_c) when cell_clip > 0
 *   h    = mul(tanh(c), o) to the hidden state's scale and zero point;
 *          tanh's input scaling comes from round(log2(s_c)) (TFLM assumes a
 *          power-of-two cell scale and uses its rounded exponent)
 * and h is copied to the output. All gates read the old h. */
#include <math.h>
#include <string.h>

#include "k_common.h"
#include "../quant.h"

/* With more than ENG_MAX_OP_INPUTS inputs (24 inputs) the loader always gives the
 * operator its full tensor list in op->xio. */

enum { LSTM_ACT = 0, LSTM_CELL_CLIP = 1, LSTM_TIME_MAJOR = 3 };
enum { L_IN = 0, L_W = 1, L_R = 5, L_BIAS = 12, L_HIDDEN = 18, L_CELL = 19, L_N = 24 };

typedef struct {
    int32_t m, in_off, w_off; /* requantization to Q3.12, input and weight offsets */
    int8_t shift;
} lstm_fc;

typedef struct {
    uint32_t batch, steps, n_in, n_state;
    uint8_t time_major, wide; /* wide: int16 activations, int64 bias */
    lstm_fc x[4], h[4];       /* gates: input, forget, cell, output */
    int32_t fc_m, ic_m, out_m; /* forget*cell, input*cell-gate, tanh(c)*output multipliers */
    int8_t fc_s, ic_s, out_s;
    int32_t out_zp, out_min, out_max;
    int32_t tanh_mult, tanh_shift; /* cell-state tanh input scaling */
    int16_t clip;                  /* quantized cell clip, 0: none */
    uint16_t scratch;
} lstm_params;

static int16_t sat16(int32_t v)
{
    return (int16_t)k_clamp(v, -32768, 32767);
}

/* One FC of a gate: v = sat16(q(sum_k (w + w_off)(x + in_off) + bias));
 * out[r][s] = v, or with add = 1, sat16(out[r][s] + v) (TFLM's
 * AddElementWise of the input and recurrent FCs). int8 activations accumulate in int32 (modulo 2^32, as TFLM's
 * int32 on real hardware), int16 ones in int64 with an int64 bias. */
static void gate_fc(const lstm_params *p, const lstm_fc *q, const uint8_t *x, uint32_t n_k, const int8_t *w,
                    const void *bias, uint32_t rows, int add, int16_t *out)
{
    for (uint32_t r = 0; r < rows; r++) {
        for (uint32_t s = 0; s < p->n_state; s++) {
            const int8_t *wr = w + s * n_k;
            int32_t v;
            if (p->wide) {
                const int16_t *xr = (const int16_t *)(const void *)x + r * n_k;
                int64_t acc = 0;
                for (uint32_t k = 0; k < n_k; k++) {
                    acc += (int64_t)((int32_t)wr[k] + q->w_off) * ((int32_t)xr[k] + q->in_off);
                }
                if (bias != NULL) {
                    acc = q_add64(acc, k_i64(bias, (uint32_t)s));
                }
                v = q_mul64(acc, q->m, q->shift);
            } else {
                const int8_t *xr = (const int8_t *)x + r * n_k;
                k_acc_t acc = 0;
                for (uint32_t k = 0; k < n_k; k++) {
                    acc = k_mac(acc, (int32_t)wr[k] + q->w_off, (int32_t)xr[k] + q->in_off);
                }
                if (bias != NULL) {
                    acc += (uint32_t)((const int32_t *)bias)[s];
                }
                v = q_mul((int32_t)acc, q->m, q->shift);
            }
            const int16_t v16 = sat16(v);
            int16_t *o = &out[r * p->n_state + s];
            *o = add ? sat16((int32_t)*o + v16) : v16;
        }
    }
}

/* Elementwise int16 x int16 requantized (TFLM's MulElementwise, offsets 0). */
static int32_t mul16(int16_t a, int16_t b, int32_t m, int s)
{
    return q_mul((int32_t)a * (int32_t)b, m, s);
}

typedef struct {
    const uint8_t *x;     /* this step's input rows */
    uint8_t *h;           /* hidden state rows (int8 or int16) */
    int16_t *c;           /* cell state rows */
    uint8_t *y;           /* output rows */
    uint32_t rows;
} lstm_step;

static void lstm_do_step(const eng_op *op, uint8_t *const *tdata, const lstm_params *p, const lstm_step *st,
                         int16_t *buf)
{
    const uint32_t n = st->rows * p->n_state;
    int16_t *g[4] = {buf, buf + n, buf + 2u * n, buf + 3u * n}; /* i, f, g, o */
    for (uint32_t k = 0; k < 4u; k++) {
        const uint16_t bt = op->xio[L_BIAS + k];
        gate_fc(p, &p->x[k], st->x, p->n_in, (const int8_t *)tdata[op->xio[L_W + k]],
                bt == ENG_NO_TENSOR ? NULL : tdata[bt], st->rows, 0, g[k]);
        gate_fc(p, &p->h[k], st->h, p->n_state, (const int8_t *)tdata[op->xio[L_R + k]], NULL, st->rows, 1, g[k]);
        const int tanh_gate = k == 2u;
        for (uint32_t e = 0; e < n; e++) {
            const int16_t v = g[k][e];
            /* Q3.12 in: sigmoid and tanh scale the input by 3 (power-of-two case) */
            g[k][e] = tanh_gate ? q_tanh16(v, 0, 0) : q_logistic16(v, 0, 0);
        }
    }
    for (uint32_t e = 0; e < n; e++) {
        const int32_t fc = k_clamp(mul16(g[1][e], st->c[e], p->fc_m, p->fc_s), -32768, 32767);
        const int32_t ic = k_clamp(mul16(g[0][e], g[2][e], p->ic_m, p->ic_s), -32768, 32767);
        int16_t c = sat16(fc + ic);
        if (p->clip > 0) {
            c = (int16_t)k_clamp(c, -p->clip, p->clip);
        }
        st->c[e] = c;
        const int16_t t = q_tanh16(c, p->tanh_mult, p->tanh_shift);
        const int32_t h = k_clamp(mul16(t, g[3][e], p->out_m, p->out_s) + p->out_zp, p->out_min, p->out_max);
        if (p->wide) {
            const int16_t h16 = (int16_t)h;
            memcpy(st->h + 2u * e, &h16, sizeof h16);
        } else {
            st->h[e] = (uint8_t)(int8_t)h;
        }
    }
    memcpy(st->y, st->h, (size_t)n * (p->wide ? 2u : 1u));
}

static int lstm_eval(const eng_op *op, uint8_t *const *tdata)
{
    const lstm_params *p = op->params;
    const uint32_t es = p->wide ? 2u : 1u;
    const uint8_t *in = tdata[op->xio[L_IN]];
    uint8_t *h = tdata[op->xio[L_HIDDEN]];
    int16_t *c = (int16_t *)(void *)tdata[op->xio[L_CELL]];
    uint8_t *out = tdata[eng_out(op, 0)];
    int16_t *buf = (int16_t *)(void *)tdata[p->scratch];
    if (p->time_major) {
        for (uint32_t t = 0; t < p->steps; t++) {
            const lstm_step st = {in + (size_t)t * p->batch * p->n_in * es, h, c,
                                  out + (size_t)t * p->batch * p->n_state * es, p->batch};
            lstm_do_step(op, tdata, p, &st, buf);
        }
        return ENGINE_OK;
    }
    for (uint32_t b = 0; b < p->batch; b++) {
        for (uint32_t t = 0; t < p->steps; t++) {
            const size_t row = (size_t)b * p->steps + t;
            const lstm_step st = {in + row * p->n_in * es, h + (size_t)b * p->n_state * es, c + b * p->n_state,
                                  out + row * p->n_state * es, 1u};
            lstm_do_step(op, tdata, p, &st, buf);
        }
    }
    return ENGINE_OK;
}

/* A gate FC's requantization: in_scale * w_scale / 2^-12 in double (TFLM's
 * GetQuantizedConvolutionMultipler with the Q3.12 gate output). */
static int fc_prep(ld_ctx *c, const op_view *ov, const tview *x, const tview *w, lstm_fc *q)
{
    int s;
    if (w->scales.n != 1u || !q_scale_ok(w->scale)) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "LSTM weights need one (per-tensor) scale");
    }
    int r = ld_multiplier(c, ov, (double)x->scale * (double)w->scale / (double)0.000244140625f, &q->m, &s);
    q->shift = (int8_t)s;
    q->in_off = -x->zero_point;
    q->w_off = -w->zero_point;
    return r;
}

static int mul_prep(ld_ctx *c, const op_view *ov, float s1, float s2, float so, int32_t *m, int8_t *sh)
{
    int s;
    int r = ld_multiplier(c, ov, (double)s1 * (double)s2 / (double)so, m, &s);
    *sh = (int8_t)s;
    return r;
}

int k_prep_lstm(ld_ctx *c, const op_view *ov, eng_op *op)
{
    tview t[L_N], out;
    int r;
    if (ov->n_in != L_N) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "needs 24 inputs");
    }
    for (uint32_t k = 0; k < L_N; k++) {
        const int32_t idx = ld_op_in(c, ov, k);
        const int must = k <= 8u || (k >= 12u && k <= 15u) || k == L_HIDDEN || k == L_CELL;
        if ((idx >= 0) != must) {
            return ld_fail_op(c, ov, ENGINE_UNSUPPORTED,
                              "needs all gate weights and biases and both states, and no peephole, "
                              "projection or layer norm (as TFLM)");
        }
        memset(&t[k], 0, sizeof t[k]);
        if (idx >= 0 && (r = ld_tensor(c, (uint32_t)idx, &t[k])) != ENGINE_OK) {
            return r;
        }
    }
    if ((r = ld_tensor(c, (uint32_t)ov->out, &out)) != ENGINE_OK) {
        return r;
    }
    const tview *in = &t[L_IN], *hid = &t[L_HIDDEN], *cell = &t[L_CELL];
    const uint8_t at = in->type;
    if (at != T_INT8 && at != T_INT16) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "only the integer LSTM (int8 or int16 activations) is supported");
    }
    if ((r = ld_need_type(c, ov, hid, at)) != ENGINE_OK || (r = ld_need_type(c, ov, &out, at)) != ENGINE_OK ||
        (r = ld_need_type(c, ov, cell, T_INT16)) != ENGINE_OK || (r = ld_need_var(c, ov, hid)) != ENGINE_OK ||
        (r = ld_need_var(c, ov, cell)) != ENGINE_OK || (r = ld_need_quant(c, ov, in)) != ENGINE_OK ||
        (r = ld_need_quant(c, ov, hid)) != ENGINE_OK || (r = ld_need_quant(c, ov, cell)) != ENGINE_OK) {
        return r;
    }
    uint8_t act = 0, tm = 0;
    float clip = 0.0f;
    if ((r = k_opt_u8(c, ov, LSTM_ACT, 0, &act)) != ENGINE_OK || (r = k_opt_f32(c, ov, LSTM_CELL_CLIP, 0.0f, &clip)) != ENGINE_OK ||
        (r = k_opt_u8(c, ov, LSTM_TIME_MAJOR, 0, &tm)) != ENGINE_OK) {
        return r;
    }
    if (act != 4u) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "cell gate activation must be TANH");
    }
    if (in->ndims != 3u || hid->ndims != 2u || out.ndims != 3u) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "input and output must be 3-D, the hidden state 2-D");
    }
    const int32_t B = tm ? in->dims[1] : in->dims[0], T = tm ? in->dims[0] : in->dims[1];
    const int32_t I = in->dims[2], S = hid->dims[1];
    if ((int64_t)hid->elems != (int64_t)B * S || (int64_t)cell->elems != (int64_t)B * S ||
        out.dims[0] != in->dims[0] || out.dims[1] != in->dims[1] || out.dims[2] != S) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "state or output shape does not match the input");
    }
    for (uint32_t k = 0; k < 4u; k++) {
        const tview *w = &t[L_W + k], *rw = &t[L_R + k], *b = &t[L_BIAS + k];
        if ((r = ld_need_type(c, ov, w, T_INT8)) != ENGINE_OK || (r = ld_need_type(c, ov, rw, T_INT8)) != ENGINE_OK ||
            (r = ld_need_type(c, ov, b, at == T_INT8 ? T_INT32 : T_INT64)) != ENGINE_OK ||
            (r = ld_need_const(c, ov, w)) != ENGINE_OK || (r = ld_need_const(c, ov, rw)) != ENGINE_OK ||
            (r = ld_need_const(c, ov, b)) != ENGINE_OK) {
            return r;
        }
        if (w->ndims != 2u || w->dims[0] != S || w->dims[1] != I || rw->ndims != 2u || rw->dims[0] != S ||
            rw->dims[1] != S || b->ndims != 1u || b->dims[0] != S) {
            return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "gate weight or bias shape does not match");
        }
    }
    lstm_params *p = ld_alloc(c, sizeof *p);
    if (p == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    p->batch = (uint32_t)B;
    p->steps = (uint32_t)T;
    p->n_in = (uint32_t)I;
    p->n_state = (uint32_t)S;
    p->time_major = tm != 0u;
    p->wide = at == T_INT16;
    /* TFLM's gate order in the inputs is input, forget, cell, output */
    for (uint32_t k = 0; k < 4u; k++) {
        if ((r = fc_prep(c, ov, in, &t[L_W + k], &p->x[k])) != ENGINE_OK ||
            (r = fc_prep(c, ov, hid, &t[L_R + k], &p->h[k])) != ENGINE_OK) {
            return r;
        }
    }
    const float q015 = 0.000030517578125f; /* 2^-15 */
    if ((r = mul_prep(c, ov, q015, cell->scale, cell->scale, &p->fc_m, &p->fc_s)) != ENGINE_OK ||
        (r = mul_prep(c, ov, q015, q015, cell->scale, &p->ic_m, &p->ic_s)) != ENGINE_OK ||
        (r = mul_prep(c, ov, q015, q015, hid->scale, &p->out_m, &p->out_s)) != ENGINE_OK) {
        return r;
    }
    p->out_zp = hid->zero_point;
    p->out_min = at == T_INT8 ? -128 : -32768;
    p->out_max = at == T_INT8 ? 127 : 32767;
    /* TFLM's CheckedLog2: the rounded base-2 exponent of the cell scale */
    const int pw = (int)round(log((double)cell->scale) * (1.0 / log(2.0)));
    int32_t sh = (15 + pw) - 3;
    p->tanh_mult = 0;
    if (sh < 0) {
        sh = -sh;
        p->tanh_mult = 3;
    }
    if (sh > 30) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "cell state scale out of range");
    }
    p->tanh_shift = sh;
    if (clip > 0.0f) {
        const double qc = (double)clip / (double)cell->scale;
        p->clip = (int16_t)(qc > 32767.0 ? 32767.0 : qc < -32768.0 ? -32768.0 : qc);
    }
    /* four [rows, S] int16 gate buffers (TFLM: four of [B, S]) */
    const uint64_t scr = 4u * (uint64_t)(tm ? p->batch : 1u) * p->n_state * 2u;
    if (scr > 0x7FFFFFFFu) {
        return ld_fail_op(c, ov, ENGINE_UNSUPPORTED, "scratch exceeds 2 GiB");
    }
    p->scratch = k_scratch(c, (uint32_t)scr);
    op->eval = lstm_eval;
    op->params = p;
    return ENGINE_OK;
}
