/* The engine's public API: load (validate, prepare kernels, plan the arena),
 * invoke (run the prepared operators with optional per-op timing).
 *
 * Arena layout after engine_load():
 *   [metadata: op table, tensor data table, kernel parameters, per-channel
 *    multipliers][pad to 16][activations, placed by the greedy planner]
 * While loading, a scratch table (tensor lifetimes, planner work space) is
 * kept at the top end of the arena; it is dead once the plan is made, but
 * engine_arena_used() counts it if it ever reached further than the final
 * layout does, so that an arena of engine_arena_used() bytes always loads.
 *
 * The only static state is the small g struct below (no tables). */
#include <string.h>

#include "engine_int.h"
#include "msg.h"
#include "op_names.h"
#include "planner.h"
#include "kernels/k_float.h"

/* With ENGINE_PRESERVE_INPUT=1 the model input stays intact through
 * engine_invoke() (its memory is not reused by later operators), so a
 * repeated INFER without new INPUT frames recomputes the same output. The
 * default (0) lets the planner reuse the input's memory after its last
 * reader, as TFLM does: it costs the input's size whenever the activation
 * peak comes after the first operator (e.g. +3,072 bytes on ResNet-8). */
#ifndef ENGINE_PRESERVE_INPUT
#define ENGINE_PRESERVE_INPUT 0
#endif

enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { OP_OPCODE_INDEX = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_BUILTIN = 3 };

#define NO_OP 0xFFFFu

/* Load-time bookkeeping per tensor (scratch, top of the arena). */
typedef struct {
    uint32_t bytes;  /* 0: constant or unused */
    uint16_t first;  /* producing op, NO_OP if none yet */
    uint16_t last;   /* last consuming op */
    uint16_t root;   /* tensor whose memory this one uses (itself unless aliased) */
    uint16_t plan;   /* index into the planner's buffer list */
    uint8_t is_input;
} tlife;

/* A variable (state) tensor: its buffer follows this header in the arena's
 * metadata area, outside the planner's reuse, so it keeps its value from one
 * engine_invoke() to the next. */
typedef struct eng_var {
    struct eng_var *next;
    uint32_t bytes;
    uint8_t fill; /* reset value of every byte */
} eng_var;

static struct {
    int loaded;
    eng_var *vars; /* list of the model's variable tensors */
    uint16_t n_ops;
    uint8_t n_in, n_out;
    size_t arena_used;
    const eng_op *ops;
    uint8_t **tdata; /* per tensor: data pointer (model or arena), NULL if unused */
    const uint16_t *io_t;            /* n_in input tensors, then n_out output tensors */
    const engine_tensor_info *io_info; /* same order */
} g;

typedef int (*prep_fn)(ld_ctx *c, const op_view *ov, eng_op *op);

/* The op table, from ops.def. A build with OPS="..." (engine.mk) defines
 * TF_OPS_SELECTED and TF_OP_<NAME> as 0 or 1 for every entry; an entry
 * compiled out keeps its code but no prepare function, so the kernel is not
 * referenced (--gc-sections drops it) and the loader can say it is missing
 * from this build rather than unknown to the engine. */
#ifdef TF_OPS_SELECTED
#define OP_BUILT(name) TF_OP_##name
#else
#define OP_BUILT(name) 1
#endif

typedef struct {
    uint8_t code;
    prep_fn prep;
} op_entry;

static const op_entry k_op_table[] = {
#define OP(name, code, prep, types) {code, OP_BUILT(name) ? prep : NULL},
#include "ops.def"
#undef OP
};

/* Returns the entry for a builtin code, or NULL when the engine has no kernel. */
static const op_entry *find_op(uint32_t code)
{
    for (size_t i = 0; i < sizeof k_op_table / sizeof k_op_table[0]; i++) {
        if (k_op_table[i].code == code) {
            return &k_op_table[i];
        }
    }
    return NULL;
}

static void *scratch_alloc(ld_ctx *c, size_t bytes)
{
    size_t need = (bytes + 7u) & ~(size_t)7u;
    uintptr_t base = (uintptr_t)c->arena;
    size_t top = (size_t)(((base + c->hi) & ~(uintptr_t)7u) - base);
    if (need > top || top - need < c->lo) {
        eng_fail(c->err, ENGINE_ARENA_TOO_SMALL, "arena too small: %u bytes are not enough to load the model",
                 (unsigned)c->arena_size);
        return NULL;
    }
    c->hi = top - need;
    if (c->lo + (c->arena_size - c->hi) > c->peak) {
        c->peak = c->lo + (c->arena_size - c->hi);
    }
    return c->arena + c->hi;
}

static int fail_model(ld_ctx *c, const char *what)
{
    return eng_fail(c->err, ENGINE_MODEL_INVALID, "%s", what);
}

/* Tensor t exists, is valid and has at least one element (empty
 * placeholder tensors are only tolerated where nothing uses them). */
static int nonempty(ld_ctx *c, uint32_t t)
{
    tview tv;
    int r = ld_tensor(c, t, &tv);
    if (r == ENGINE_OK && tv.elems == 0u) {
        r = eng_fail(c->err, ENGINE_MODEL_INVALID, "tensor %u: a dimension is 0", (unsigned)t);
    }
    return r;
}

/* Read operator i into ov (structure and indices only). */
static int read_op(ld_ctx *c, const fb_vec *ops, const fb_vec *codes, uint32_t i, op_view *ov)
{
    fb_table op, oc;
    fb_vec ins, outs;
    uint32_t opcode = 0;
    memset(ov, 0, sizeof *ov);
    ov->index = i;
    ov->name = "?";
    if (fb_vec_table(&c->fb, ops, i, &op) != FB_OK || fb_u32(&c->fb, &op, OP_OPCODE_INDEX, 0, &opcode) != FB_OK ||
        fb_vector(&c->fb, &op, OP_INPUTS, 4u, &ins) == FB_BAD || fb_vector(&c->fb, &op, OP_OUTPUTS, 4u, &outs) == FB_BAD) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u: table out of bounds", (unsigned)i);
    }
    if (opcode >= codes->n) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u: opcode index %u out of range (model has %u)",
                        (unsigned)i, (unsigned)opcode, (unsigned)codes->n);
    }
    uint8_t dep = 0;
    int32_t code = 0;
    if (fb_vec_table(&c->fb, codes, opcode, &oc) != FB_OK || fb_u8(&c->fb, &oc, OPCODE_DEPRECATED, 0, &dep) != FB_OK ||
        fb_i32(&c->fb, &oc, OPCODE_BUILTIN, 0, &code) != FB_OK) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u: operator code %u out of bounds", (unsigned)i,
                        (unsigned)opcode);
    }
    /* The builtin code is the larger of the old int8 field and the new one. */
    if ((int32_t)(int8_t)dep > code) {
        code = (int8_t)dep;
    }
    if (code < 0) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u: negative builtin code %d", (unsigned)i, (int)code);
    }
    ov->code = (uint32_t)code;
    ov->name = eng_op_name(ov->code);
    const op_entry *e = find_op(ov->code);
    if (e == NULL) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u: unsupported op %s (builtin %u)", (unsigned)i,
                        ov->name, (unsigned)ov->code);
    }
    if (e->prep == NULL) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u: op %s (builtin %u) not built into this agent",
                        (unsigned)i, ov->name, (unsigned)ov->code);
    }
    int r = fb_subtable(&c->fb, &op, OP_OPTIONS, &ov->opts);
    if (r == FB_BAD) {
        return ld_fail_op(c, ov, ENGINE_MODEL_INVALID, "options out of bounds");
    }
    ov->has_opts = r == FB_OK;
    if (ins.n > ENG_MAX_OP_IO || outs.n < 1u || outs.n > ENG_MAX_OP_IO) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "operator %u (%s): %u inputs and %u outputs not supported",
                        (unsigned)i, ov->name, (unsigned)ins.n, (unsigned)outs.n);
    }
    ov->n_in = ins.n;
    ov->n_out = outs.n;
    ov->ins = ins;
    ov->outs = outs;
    for (uint32_t k = 0; k < ins.n; k++) {
        int32_t t = fb_rd_i32(&c->fb, ins.pos + 4u * k);
        if (t < -1 || t >= (int32_t)c->tensors.n) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u (%s): input tensor %d out of range",
                            (unsigned)i, ov->name, (int)t);
        }
    }
    for (uint32_t k = 0; k < outs.n; k++) {
        int32_t t = fb_rd_i32(&c->fb, outs.pos + 4u * k);
        if (t < 0 || t >= (int32_t)c->tensors.n) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u (%s): output tensor %d out of range",
                            (unsigned)i, ov->name, (int)t);
        }
    }
    for (uint32_t k = 0; k < ins.n + outs.n; k++) {
        const int32_t t = fb_rd_i32(&c->fb, k < ins.n ? ins.pos + 4u * k : outs.pos + 4u * (k - ins.n));
        if (t >= 0 && (r = nonempty(c, (uint32_t)t)) != ENGINE_OK) {
            return r;
        }
    }
    for (uint32_t k = 0; k < ENG_MAX_OP_INPUTS; k++) {
        ov->in[k] = k < ins.n ? fb_rd_i32(&c->fb, ins.pos + 4u * k) : -1;
    }
    ov->out = fb_rd_i32(&c->fb, outs.pos);
    return ENGINE_OK;
}

int32_t ld_op_in(const ld_ctx *c, const op_view *ov, uint32_t k)
{
    return k < ov->n_in ? fb_rd_i32(&c->fb, ov->ins.pos + 4u * k) : -1;
}

int32_t ld_op_out(const ld_ctx *c, const op_view *ov, uint32_t k)
{
    return k < ov->n_out ? fb_rd_i32(&c->fb, ov->outs.pos + 4u * k) : -1;
}

/* Record op i's tensor uses in the lifetime table. */
static int track_lifetimes(ld_ctx *c, const op_view *ov, const eng_op *op, tlife *life)
{
    const uint32_t n_in = op->xio != NULL ? op->n_in : ENG_MAX_OP_INPUTS;
    for (uint32_t k = 0; k < n_in; k++) {
        uint16_t t = eng_in(op, k);
        if (t == ENG_NO_TENSOR || g.tdata[t] != NULL) {
            continue; /* absent or constant */
        }
        if (life[t].first == NO_OP && !life[t].is_input) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID, "operator %u (%s): tensor %u is read before it is written",
                            (unsigned)ov->index, ov->name, (unsigned)t);
        }
        life[t].last = (uint16_t)ov->index;
    }
    for (uint32_t k = 0; k < op->n_out; k++) {
        uint16_t o = eng_out(op, k);
        if (g.tdata[o] != NULL || life[o].is_input || life[o].first != NO_OP) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID,
                            "operator %u (%s): output tensor %u is constant, a model input or written twice",
                            (unsigned)ov->index, ov->name, (unsigned)o);
        }
        life[o].first = (uint16_t)ov->index;
        life[o].last = (uint16_t)ov->index;
    }
    if (op->alias) {
        uint16_t src = op->in[0], o = op->out;
        if (g.tdata[src] != NULL) {
            g.tdata[o] = g.tdata[src]; /* a reshaped constant: read in place */
        }
        life[o].root = life[src].root;
    }
    return ENGINE_OK;
}

/* Copy the operator's tensor lists; ops with many inputs or several outputs
 * get their full list in the arena (eng_op.xio). */
static int op_tensors(ld_ctx *c, const op_view *ov, eng_op *op)
{
    op->n_in = (uint8_t)ov->n_in;
    op->n_out = (uint8_t)ov->n_out;
    for (uint32_t k = 0; k < ENG_MAX_OP_INPUTS; k++) {
        op->in[k] = ov->in[k] < 0 ? (uint16_t)ENG_NO_TENSOR : (uint16_t)ov->in[k];
    }
    op->out = (uint16_t)ov->out;
    if (ov->n_in <= ENG_MAX_OP_INPUTS && ov->n_out == 1u) {
        return ENGINE_OK;
    }
    uint16_t *xio = ld_alloc(c, (ov->n_in + ov->n_out) * sizeof(uint16_t));
    if (xio == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    for (uint32_t k = 0; k < ov->n_in; k++) {
        int32_t t = ld_op_in(c, ov, k);
        xio[k] = t < 0 ? (uint16_t)ENG_NO_TENSOR : (uint16_t)t;
    }
    for (uint32_t k = 0; k < ov->n_out; k++) {
        xio[ov->n_in + k] = (uint16_t)ld_op_out(c, ov, k);
    }
    op->xio = xio;
    return ENGINE_OK;
}

static int prepare_ops(ld_ctx *c, const fb_vec *ops, const fb_vec *codes, eng_op *table, tlife *life)
{
    for (uint32_t i = 0; i < ops->n; i++) {
        op_view ov;
        int r = read_op(c, ops, codes, i, &ov);
        if (r != ENGINE_OK) {
            return r;
        }
        eng_op *op = &table[i];
        op->builtin = (uint8_t)ov.code;
        if ((r = op_tensors(c, &ov, op)) != ENGINE_OK) {
            return r;
        }
        /* float32 operators first (kernels/k_float*.c), else the ops.def entry */
        if ((r = k_prep_float(c, &ov, op)) == K_NOT_FLOAT) {
            r = find_op(ov.code)->prep(c, &ov, op);
        }
        if (r != ENGINE_OK) {
            return r;
        }
        if ((r = track_lifetimes(c, &ov, op, life)) != ENGINE_OK) {
            return r;
        }
    }
    return ENGINE_OK;
}

static int validate_tensors(ld_ctx *c, tlife *life)
{
    for (uint32_t t = 0; t < c->tensors.n; t++) {
        tview tv;
        int r = ld_tensor(c, t, &tv);
        if (r != ENGINE_OK) {
            return r;
        }
        g.tdata[t] = (uint8_t *)(uintptr_t)tv.data; /* constants are only ever read */
        if (tv.is_var) {
            /* persistent: allocated with the metadata, never planned */
            eng_var *v = ld_alloc(c, sizeof(eng_var) + tv.bytes);
            if (v == NULL) {
                return ENGINE_ARENA_TOO_SMALL;
            }
            v->bytes = tv.bytes;
            /* TFLM's ResetTensorData: an int8 state starts at its zero point
             * (the byte pattern of zp), every other type at raw 0 (even an
             * int16 state with a nonzero zero point). */
            v->fill = tv.type == T_INT8 ? (uint8_t)(int8_t)tv.zero_point : 0u;
            v->next = g.vars;
            g.vars = v;
            g.tdata[t] = (uint8_t *)(v + 1);
        }
        life[t].bytes = tv.is_const || tv.is_var ? 0u : tv.bytes;
        life[t].first = NO_OP;
        life[t].last = 0;
        life[t].root = (uint16_t)t;
        life[t].is_input = 0;
    }
    return ENGINE_OK;
}

static int io_info(ld_ctx *c, uint16_t t, engine_tensor_info *info)
{
    tview tv;
    int r = ld_tensor(c, t, &tv);
    if (r != ENGINE_OK) {
        return r;
    }
    info->type = tv.type;
    info->ndims = tv.ndims;
    memcpy(info->dims, tv.dims, sizeof info->dims);
    info->scale = tv.scale;
    info->zero_point = tv.zero_point;
    info->bytes = tv.bytes;
    return ENGINE_OK;
}

/* Read the subgraph's input (or output) list into *list (arena metadata). */
static int read_io(ld_ctx *c, const fb_table *sg, unsigned field, const char *what, uint16_t *list, uint8_t *n)
{
    fb_vec v;
    if (fb_vector(&c->fb, sg, field, 4u, &v) == FB_BAD) {
        return fail_model(c, "subgraph input/output list out of bounds");
    }
    if (v.n < 1u || v.n > ENG_MAX_MODEL_IO) {
        return eng_fail(c->err, v.n < 1u ? ENGINE_MODEL_INVALID : ENGINE_UNSUPPORTED,
                        "model has %u %ss (the engine supports 1 to %u)", (unsigned)v.n, what,
                        (unsigned)ENG_MAX_MODEL_IO);
    }
    for (uint32_t k = 0; k < v.n; k++) {
        int32_t idx = fb_rd_i32(&c->fb, v.pos + 4u * k);
        if (idx < 0 || idx >= (int32_t)c->tensors.n) {
            return eng_fail(c->err, ENGINE_MODEL_INVALID, "%s tensor %d out of range (subgraph has %u tensors)",
                            what, (int)idx, (unsigned)c->tensors.n);
        }
        list[k] = (uint16_t)idx;
    }
    *n = (uint8_t)v.n;
    return ENGINE_OK;
}

static int read_model_io(ld_ctx *c, const fb_table *sg)
{
    uint16_t *io = ld_alloc(c, 2u * ENG_MAX_MODEL_IO * sizeof(uint16_t));
    if (io == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    int r = read_io(c, sg, SG_INPUTS, "input", io, &g.n_in);
    if (r != ENGINE_OK) {
        return r;
    }
    r = read_io(c, sg, SG_OUTPUTS, "output", io + g.n_in, &g.n_out);
    /* give back the unused tail of the list (it was the last allocation) */
    c->lo = (size_t)((uint8_t *)(io + g.n_in + g.n_out) - c->arena);
    g.io_t = io;
    return r;
}

/* Model inputs must be distinct, non-constant tensors; every output must be
 * written by an operator (or be an input). */
static int check_model_io(ld_ctx *c, tlife *life, int after_ops)
{
    for (uint32_t k = 0; k < (uint32_t)g.n_in + g.n_out && !after_ops; k++) {
        int r = nonempty(c, g.io_t[k]);
        if (r != ENGINE_OK) {
            return r;
        }
    }
    for (uint32_t k = 0; k < g.n_in && !after_ops; k++) {
        uint16_t t = g.io_t[k];
        if (g.tdata[t] != NULL || life[t].is_input) {
            return fail_model(c, "a model input is a constant tensor or listed twice");
        }
        life[t].is_input = 1;
    }
    for (uint32_t k = 0; k < g.n_out && after_ops; k++) {
        uint16_t t = g.io_t[g.n_in + k];
        if (g.tdata[t] == NULL && life[t].first == NO_OP && !life[t].is_input) {
            return fail_model(c, "a model output is never written");
        }
    }
    return ENGINE_OK;
}

static int fill_io_info(ld_ctx *c)
{
    const uint32_t n = (uint32_t)g.n_in + g.n_out;
    engine_tensor_info *info = ld_alloc(c, n * sizeof(engine_tensor_info));
    if (info == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    for (uint32_t k = 0; k < n; k++) {
        int r = io_info(c, g.io_t[k], &info[k]);
        if (r != ENGINE_OK) {
            return r;
        }
    }
    g.io_info = info;
    return ENGINE_OK;
}

/* Place the activation roots and point every non-constant tensor at its
 * memory. */
static int plan_arena(ld_ctx *c, tlife *life, uint16_t n_ops)
{
    uint16_t n_t = (uint16_t)c->tensors.n;
    uint16_t n_buf = 0;
    uint64_t sum = 0;
    for (uint32_t k = 0; k < g.n_in; k++) {
        life[g.io_t[k]].first = 0;
#if ENGINE_PRESERVE_INPUT
        life[g.io_t[k]].last = (uint16_t)(n_ops - 1u);
#endif
    }
    for (uint32_t k = 0; k < g.n_out; k++) {
        life[g.io_t[g.n_in + k]].last = (uint16_t)(n_ops - 1u);
    }
    /* Aliases extend their root's lifetime. */
    for (uint16_t t = 0; t < n_t; t++) {
        tlife *r = &life[life[t].root];
        if (life[t].root != t && life[t].first != NO_OP && life[t].last > r->last) {
            r->last = life[t].last;
        }
    }
    for (uint16_t t = 0; t < n_t; t++) {
        if (life[t].root == t && life[t].bytes > 0u && life[t].first != NO_OP) {
            life[t].plan = n_buf++;
            sum += life[t].bytes + ENG_PLAN_ALIGN;
        }
    }
    if (sum > 0x7FFFFFFFu) {
        return fail_model(c, "activations exceed 2 GiB");
    }
    plan_buf *bufs = scratch_alloc(c, (size_t)n_buf * sizeof(plan_buf));
    uint16_t *work = bufs == NULL ? NULL : scratch_alloc(c, (size_t)n_buf * 2u * sizeof(uint16_t));
    if (work == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    for (uint16_t t = 0; t < n_t; t++) {
        if (life[t].root == t && life[t].bytes > 0u && life[t].first != NO_OP) {
            plan_buf *b = &bufs[life[t].plan];
            b->size = life[t].bytes;
            b->first = life[t].first;
            b->last = life[t].last;
        }
    }
    uint32_t total = plan_greedy(bufs, n_buf, work);
    uintptr_t base = (uintptr_t)c->arena;
    size_t act = (size_t)(((base + c->lo + ENG_PLAN_ALIGN - 1u) & ~(uintptr_t)(ENG_PLAN_ALIGN - 1u)) - base);
    /* One run-time scratch area shared by all kernels (im2col, folded
     * biases) sits after the activations; tdata[n_t] points at it. */
    const size_t scr = act + (((size_t)total + 7u) & ~(size_t)7u);
    size_t need = scr + c->scratch;
    g.arena_used = need > c->peak ? need : c->peak;
    if (need > c->arena_size) {
        return eng_fail(c->err, ENGINE_ARENA_TOO_SMALL, "arena too small: model needs %u bytes, have %u",
                        (unsigned)g.arena_used, (unsigned)c->arena_size);
    }
    g.tdata[n_t] = c->scratch > 0u ? c->arena + scr : NULL;
    for (uint16_t t = 0; t < n_t; t++) {
        const tlife *r = &life[life[t].root];
        if (g.tdata[t] == NULL && r->bytes > 0u && r->first != NO_OP) {
            g.tdata[t] = c->arena + act + bufs[r->plan].offset;
        }
    }
    return ENGINE_OK;
}

static int load_graph(ld_ctx *c)
{
    fb_table model, sg;
    fb_vec codes, subgraphs, ops;
    uint32_t version = 0;
    if (fb_root(&c->fb, &model) != FB_OK) {
        return fail_model(c, "not a flatbuffer (root table out of bounds)");
    }
    if (fb_u32(&c->fb, &model, MODEL_VERSION, 0, &version) != FB_OK || version != 3u) {
        return eng_fail(c->err, ENGINE_MODEL_INVALID, "schema version %u, expected 3", (unsigned)version);
    }
    if (fb_vector(&c->fb, &model, MODEL_OPCODES, 4u, &codes) != FB_OK ||
        fb_vector(&c->fb, &model, MODEL_SUBGRAPHS, 4u, &subgraphs) != FB_OK ||
        fb_vector(&c->fb, &model, MODEL_BUFFERS, 4u, &c->buffers) != FB_OK) {
        return fail_model(c, "operator codes, subgraphs or buffers missing or out of bounds");
    }
    if (subgraphs.n != 1u) {
        return eng_fail(c->err, subgraphs.n == 0u ? ENGINE_MODEL_INVALID : ENGINE_UNSUPPORTED,
                        "model has %u subgraphs (the engine runs exactly 1)", (unsigned)subgraphs.n);
    }
    if (fb_vec_table(&c->fb, &subgraphs, 0, &sg) != FB_OK ||
        fb_vector(&c->fb, &sg, SG_TENSORS, 4u, &c->tensors) != FB_OK ||
        fb_vector(&c->fb, &sg, SG_OPERATORS, 4u, &ops) != FB_OK) {
        return fail_model(c, "subgraph tensors or operators missing or out of bounds");
    }
    if (c->tensors.n > ENG_MAX_TENSORS || ops.n > ENG_MAX_OPS || ops.n == 0u) {
        return eng_fail(c->err, ENGINE_UNSUPPORTED, "model has %u tensors and %u operators (limits %u and 1..%u)",
                        (unsigned)c->tensors.n, (unsigned)ops.n, (unsigned)ENG_MAX_TENSORS, (unsigned)ENG_MAX_OPS);
    }
    int r;
    if ((r = read_model_io(c, &sg)) != ENGINE_OK) {
        return r;
    }
    eng_op *table = ld_alloc(c, ops.n * sizeof(eng_op));
    g.tdata = table == NULL ? NULL : ld_alloc(c, (c->tensors.n + 1u) * sizeof(uint8_t *));
    tlife *life = g.tdata == NULL ? NULL : scratch_alloc(c, c->tensors.n * sizeof(tlife));
    if (life == NULL) {
        return ENGINE_ARENA_TOO_SMALL;
    }
    if ((r = validate_tensors(c, life)) != ENGINE_OK) {
        return r;
    }
    if ((r = check_model_io(c, life, 0)) != ENGINE_OK || (r = prepare_ops(c, &ops, &codes, table, life)) != ENGINE_OK ||
        (r = check_model_io(c, life, 1)) != ENGINE_OK || (r = fill_io_info(c)) != ENGINE_OK) {
        return r;
    }
    g.ops = table;
    g.n_ops = (uint16_t)ops.n;
    return plan_arena(c, life, g.n_ops);
}

int engine_load(const uint8_t *model, size_t model_len, uint8_t *arena, size_t arena_size, engine_error *err)
{
    engine_error dummy;
    if (err == NULL) {
        err = &dummy;
    }
    engine_unload();
    err->status = ENGINE_OK;
    err->msg[0] = '\0';
    if (model == NULL || arena == NULL) {
        return eng_fail(err, ENGINE_MODEL_INVALID, "no model or no arena");
    }
    if (model_len >= 0x80000000u) {
        return eng_fail(err, ENGINE_MODEL_INVALID, "model larger than 2 GiB");
    }
    ld_ctx c;
    memset(&c, 0, sizeof c);
    c.fb.p = model;
    c.fb.len = (uint32_t)model_len;
    c.arena = arena;
    c.arena_size = arena_size;
    c.hi = arena_size;
    c.err = err;
    int r = load_graph(&c);
    if (r != ENGINE_OK) {
        engine_unload();
        return r;
    }
    g.loaded = 1;
    engine_reset_state();
    return ENGINE_OK;
}

void engine_reset_state(void)
{
    for (eng_var *v = g.loaded ? g.vars : NULL; v != NULL; v = v->next) {
        memset(v + 1, v->fill, v->bytes);
    }
}


void engine_unload(void)
{
    memset(&g, 0, sizeof g);
}

int engine_loaded(void)
{
    return g.loaded;
}

uint16_t engine_op_count(void)
{
    return g.loaded ? g.n_ops : 0u;
}

size_t engine_arena_used(void)
{
    return g.loaded ? g.arena_used : 0u;
}

uint8_t engine_input_count(void)
{
    return g.loaded ? g.n_in : 0u;
}

uint8_t engine_output_count(void)
{
    return g.loaded ? g.n_out : 0u;
}

const engine_tensor_info *engine_input_info_at(uint8_t i)
{
    return g.loaded && i < g.n_in ? &g.io_info[i] : NULL;
}

const engine_tensor_info *engine_output_info_at(uint8_t i)
{
    return g.loaded && i < g.n_out ? &g.io_info[g.n_in + i] : NULL;
}

uint8_t *engine_input_buffer_at(uint8_t i)
{
    return g.loaded && i < g.n_in ? g.tdata[g.io_t[i]] : NULL;
}

const uint8_t *engine_output_buffer_at(uint8_t i)
{
    return g.loaded && i < g.n_out ? g.tdata[g.io_t[g.n_in + i]] : NULL;
}

const engine_tensor_info *engine_input_info(void)
{
    return engine_input_info_at(0);
}

const engine_tensor_info *engine_output_info(void)
{
    return engine_output_info_at(0);
}

uint8_t *engine_input_buffer(void)
{
    return engine_input_buffer_at(0);
}

const uint8_t *engine_output_buffer(void)
{
    return engine_output_buffer_at(0);
}

int engine_invoke(engine_clock_fn now, engine_op_profile *profile, uint16_t max_profile, uint16_t *n_profile,
                  engine_error *err)
{
    uint16_t n_prof = 0;
    if (n_profile != NULL) {
        *n_profile = 0;
    }
    if (!g.loaded) {
        return eng_fail(err, ENGINE_INFER_FAILED, "no model loaded");
    }
    for (uint16_t i = 0; i < g.n_ops; i++) {
        const eng_op *op = &g.ops[i];
        const int timed = profile != NULL && now != NULL && n_prof < max_profile;
        const uint64_t t0 = timed ? now() : 0u;
        int r = op->eval(op, g.tdata);
        if (timed) {
            const uint64_t dt = now() - t0;
            profile[n_prof].builtin_op = op->builtin;
            profile[n_prof].op_index = i;
            profile[n_prof].ticks = dt > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)dt;
            n_prof++;
        }
        if (r != ENGINE_OK) {
            return eng_fail(err, ENGINE_INFER_FAILED, "operator %u (%s) failed", (unsigned)i,
                            eng_op_name(op->builtin));
        }
    }
    if (n_profile != NULL) {
        *n_profile = n_prof;
    }
    if (err != NULL) {
        err->status = ENGINE_OK;
        err->msg[0] = '\0';
    }
    return ENGINE_OK;
}
