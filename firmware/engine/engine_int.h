/* Internals shared by the loader, the planner and the kernels. */
#ifndef ENG_INT_H
#define ENG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "fb.h"

/* Tensor and operator indices are stored as uint16; larger graphs are
 * rejected with a message. */
#define ENG_MAX_TENSORS 4096u
#define ENG_MAX_OPS 4096u
#define ENG_NO_TENSOR 0xFFFFu
#define ENG_MAX_OP_INPUTS 3u  /* inputs kept inline in eng_op.in[] */
#define ENG_MAX_OP_IO 255u    /* inputs (and outputs) per operator, through eng_op.xio */
#define ENG_MAX_MODEL_IO 64u  /* model inputs (and outputs) */

/* TFLite TensorType codes the engine knows. */
enum { T_FLOAT32 = 0, T_INT32 = 2, T_INT64 = 4, T_BOOL = 6, T_INT16 = 7, T_INT8 = 9 };

/* TFLite BuiltinOperator codes the engine runs (OP_<NAME>), from ops.def. */
enum {
#define OP(name, code, prep, types) OP_##name = code,
#include "ops.def"
#undef OP
    OP_CUSTOM = 32,
};

/* A tensor as described by the model, validated (load time only). */
typedef struct {
    uint32_t index;
    uint8_t type;
    uint8_t ndims;
    uint8_t is_const;
    uint8_t is_var;      /* a variable (state) tensor: persistent, read and written by its op */
    int32_t dims[ENGINE_MAX_DIMS];
    uint32_t elems;
    uint32_t bytes;
    const uint8_t *data; /* constant data inside the model, else NULL */
    fb_vec scales;       /* float32 per-tensor or per-channel scales */
    fb_vec zero_points;  /* int64, same count as scales or empty */
    int32_t quant_dim;
    float scale;         /* scales[0], or 0 */
    int32_t zero_point;  /* zero_points[0], or 0 */
} tview;

/* One operator of the model (load time only). */
typedef struct {
    uint32_t index;
    uint32_t code;
    const char *name;
    fb_table opts; /* builtin options table */
    int has_opts;
    uint32_t n_in, n_out;
    int32_t in[ENG_MAX_OP_INPUTS]; /* the first inputs; -1: optional input absent */
    int32_t out;                   /* the first output */
    fb_vec ins, outs;              /* all of them (indices checked by the loader) */
} op_view;


struct eng_op;
/* Kernel entry: reads inputs and writes the output through the tensor data
 * table. Returns ENGINE_OK or ENGINE_INFER_FAILED. */
typedef int (*eng_eval_fn)(const struct eng_op *op, uint8_t *const *tdata);

/* One operator, prepared: kept in the arena for the lifetime of the model. */
typedef struct eng_op {
    eng_eval_fn eval;
    const void *params; /* kernel-specific, in the arena */
    const uint16_t *xio; /* NULL, or all n_in inputs then all n_out outputs */
    uint16_t in[ENG_MAX_OP_INPUTS];
    uint16_t out;
    uint8_t builtin;
    uint8_t alias; /* output shares input 0's memory (reshape-like ops) */
    uint8_t n_in, n_out;
} eng_op;

/* Tensor of input k / output k of a prepared operator (ENG_NO_TENSOR when an
 * optional input is absent or not read). Ops with more than
 * ENG_MAX_OP_INPUTS inputs or more than one output keep the full list in
 * xio; all others only the inline fields. */
static inline uint16_t eng_in(const eng_op *op, uint32_t k)
{
    return op->xio != NULL ? op->xio[k] : op->in[k];
}

static inline uint16_t eng_out(const eng_op *op, uint32_t k)
{
    return op->xio != NULL ? op->xio[op->n_in + k] : op->out;
}

/* Loader context. */
typedef struct {
    fb_buf fb;
    fb_vec tensors, buffers;
    uint8_t *arena;
    size_t arena_size;
    size_t lo;         /* metadata grows up from arena[0] */
    size_t hi;         /* load-time scratch grows down from arena[arena_size] */
    size_t peak;       /* highest lo + (arena_size - hi) seen */
    uint32_t scratch;  /* run-time scratch bytes kernels asked for (the largest request) */
    engine_error *err;
} ld_ctx;

/* Input k < n_in and output k < n_out of an operator (-1: absent input). */
int32_t ld_op_in(const ld_ctx *c, const op_view *ov, uint32_t k);
int32_t ld_op_out(const ld_ctx *c, const op_view *ov, uint32_t k);

/* Bump allocation of metadata (8-byte aligned); NULL with err set when the
 * arena is exhausted. */
void *ld_alloc(ld_ctx *c, size_t bytes);

/* Validated view of tensor idx; ENGINE_OK or an error in c->err. */
int ld_tensor(ld_ctx *c, uint32_t idx, tview *tv);

/* Common operator-level checks, each setting an error naming the operator. */
int ld_fail_op(ld_ctx *c, const op_view *ov, int status, const char *what);
int ld_need_type(ld_ctx *c, const op_view *ov, const tview *t, uint8_t type);
int ld_need_quant(ld_ctx *c, const op_view *ov, const tview *t); /* 1 valid scale, zp in range */
int ld_need_const(ld_ctx *c, const op_view *ov, const tview *t);
int ld_need_var(ld_ctx *c, const op_view *ov, const tview *t); /* a variable (state) tensor */
int ld_act_range(ld_ctx *c, const op_view *ov, uint8_t act, const tview *out, int32_t *lo, int32_t *hi);
int ld_multiplier(ld_ctx *c, const op_view *ov, double m, int32_t *qm, int *shift);
/* Float scale i of t (i < t->scales.n). */
float ld_scale(const ld_ctx *c, const tview *t, uint32_t i);

/* Kernel preparation: validate the operator, fill op (eval, params, tensor
 * indices). Defined in the k_*.c files, listed in ops.def. */
#define OP(name, code, prep, types) int prep(ld_ctx *c, const op_view *ov, eng_op *op);
#include "ops.def"
#undef OP

/* TFLite padding arithmetic (Padding: 0 SAME, 1 VALID). Returns the output
 * size, or -1 for an invalid combination; *pad gets the leading padding. */
int32_t ld_out_size(uint8_t padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                    int32_t *pad);

#endif
