/* Host driver for the int8 engine.
 *
 *   engine_run MODEL IN.bin OUT.bin [--arena N] [--quiet] [--reset]
 *       Load MODEL, run every input in IN.bin (the file may hold k input
 *       sets back to back, each the concatenation of all model inputs in
 *       order; each is run in turn and the k output sets, each all model
 *       outputs concatenated in order, are written one after another to
 *       OUT.bin). Per-op timing goes to stderr. Variable (state) tensors
 *       carry over from one input set to the next unless --reset is given
 *       (then engine_reset_state() runs before each).
 *   engine_run --check MODEL [--arena N]
 *       Only load (validate and plan).
 *   engine_run --mutate MODEL [--iters N] [--seed S]
 *       Robustness: load (and, when loading succeeds, invoke) MODEL
 *       truncated at many lengths and with random byte corruptions. The
 *       engine must return errors, never crash (run under ASan/UBSan).
 *
 * The last stderr line is always one JSON object: status, msg, arena_used,
 * ops, runs (mutate: loads, rejected, accepted). Exit code: 0 ok, 2 usage or
 * I/O error, otherwise the engine status (4 invalid, 5 unsupported, 6 arena
 * too small, 9 inference failed). */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "op_names.h"

#define DEFAULT_ARENA (4u * 1024u * 1024u)
#define MAX_PROFILE 4096u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    /* malloc'd buffers are suitably aligned, as a model slot in flash is */
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1u);
    if (buf != NULL && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n > 0 ? (size_t)n : 0u;
    return buf;
}

static void json_escape(const char *s, FILE *out)
{
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', out);
        }
        fputc((unsigned char)*s >= 0x20u ? *s : '?', out);
    }
}

static int finish(int status, const char *msg, unsigned runs)
{
    fprintf(stderr, "{\"status\": %d, \"msg\": \"", status);
    json_escape(msg, stderr);
    fprintf(stderr, "\", \"arena_used\": %u, \"ops\": %u, \"runs\": %u}\n", (unsigned)engine_arena_used(),
            (unsigned)engine_op_count(), runs);
    return status;
}

static void print_info(const char *what, const engine_tensor_info *t)
{
    fprintf(stderr, "%s: type %s, shape [", what, eng_type_name(t->type));
    for (unsigned i = 0; i < t->ndims; i++) {
        fprintf(stderr, i ? ",%d" : "%d", (int)t->dims[i]);
    }
    fprintf(stderr, "], scale %g, zero_point %d, %u bytes\n", (double)t->scale, (int)t->zero_point,
            (unsigned)t->bytes);
}

/* Buffers of run(), freed on every exit path (LeakSanitizer is on). */
static uint8_t *g_model, *g_input, *g_arena;

static size_t io_bytes(int outputs)
{
    size_t n = 0;
    unsigned count = outputs ? engine_output_count() : engine_input_count();
    for (unsigned i = 0; i < count; i++) {
        n += outputs ? engine_output_info_at((uint8_t)i)->bytes : engine_input_info_at((uint8_t)i)->bytes;
    }
    return n;
}

static void print_io(size_t arena_size)
{
    char what[32];
    for (unsigned i = 0; i < engine_input_count(); i++) {
        snprintf(what, sizeof what, "input %u", i);
        print_info(what, engine_input_info_at((uint8_t)i));
    }
    for (unsigned i = 0; i < engine_output_count(); i++) {
        snprintf(what, sizeof what, "output %u", i);
        print_info(what, engine_output_info_at((uint8_t)i));
    }
    fprintf(stderr, "arena_used %u of %u, %u ops\n", (unsigned)engine_arena_used(), (unsigned)arena_size,
            (unsigned)engine_op_count());
}

static void set_inputs(const uint8_t *src)
{
    for (unsigned i = 0; i < engine_input_count(); i++) {
        uint32_t n = engine_input_info_at((uint8_t)i)->bytes;
        memcpy(engine_input_buffer_at((uint8_t)i), src, n);
        src += n;
    }
}

static void write_outputs(FILE *out)
{
    for (unsigned i = 0; i < engine_output_count(); i++) {
        fwrite(engine_output_buffer_at((uint8_t)i), 1, engine_output_info_at((uint8_t)i)->bytes, out);
    }
}

static int g_reset_each = 0; /* --reset: engine_reset_state() before every input set */

static int run_loaded(const char *in_path, const char *out_path, size_t arena_size, size_t in_len, int quiet)
{
    static engine_op_profile prof[MAX_PROFILE];
    engine_error err = {0, ""};
    const size_t in_bytes = io_bytes(0);
    if (!quiet) {
        print_io(arena_size);
    }
    if (in_path == NULL) {
        return finish(0, "", 0);
    }
    if (in_len == 0u || in_len % in_bytes != 0u) {
        fprintf(stderr, "input file holds %u bytes, not a multiple of %u\n", (unsigned)in_len, (unsigned)in_bytes);
        return finish(2, "input size mismatch", 0);
    }
    FILE *out = fopen(out_path, "wb");
    if (out == NULL) {
        return finish(2, "cannot write output", 0);
    }
    unsigned runs = (unsigned)(in_len / in_bytes);
    for (unsigned k = 0; k < runs; k++) {
        uint16_t n_prof = 0;
        if (g_reset_each) {
            engine_reset_state();
        }
        set_inputs(g_input + (size_t)k * in_bytes);
        int st = engine_invoke(now_ns, prof, MAX_PROFILE, &n_prof, &err);
        if (st != ENGINE_OK) {
            fclose(out);
            return finish(st, err.msg, k);
        }
        write_outputs(out);
        if (!quiet && k == 0u) {
            for (unsigned i = 0; i < n_prof; i++) {
                fprintf(stderr, "op %3u %-24s %10.3f ms\n", (unsigned)prof[i].op_index,
                        eng_op_name(prof[i].builtin_op), (double)prof[i].ticks / 1e6);
            }
        }
    }
    fclose(out);
    return finish(0, "", runs);
}

static int run(const char *model_path, const char *in_path, const char *out_path, size_t arena_size, int quiet)
{
    size_t model_len = 0, in_len = 0;
    engine_error err = {0, ""};
    int st;
    g_model = read_file(model_path, &model_len);
    g_input = in_path ? read_file(in_path, &in_len) : NULL;
    g_arena = malloc(arena_size ? arena_size : 1u);
    if (g_model == NULL || (in_path != NULL && g_input == NULL) || g_arena == NULL) {
        fprintf(stderr, "cannot read %s\n", g_model == NULL ? model_path : in_path);
        st = finish(2, "i/o error", 0);
    } else if ((st = engine_load(g_model, model_len, g_arena, arena_size, &err)) != ENGINE_OK) {
        fprintf(stderr, "load failed (%d): %s\n", st, err.msg);
        st = finish(st, err.msg, 0);
    } else {
        st = run_loaded(in_path, out_path, arena_size, in_len, quiet);
    }
    engine_unload();
    free(g_model);
    free(g_input);
    free(g_arena);
    return st;
}

/* xorshift32: deterministic, seedable. */
static uint32_t rng(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static unsigned g_loads, g_rejected, g_accepted;

/* Load a copy of the first len bytes (exactly len bytes allocated, so
 * ASan catches any read past the end) and invoke it if it loads. */
static void try_model(const uint8_t *bytes, size_t len, uint8_t *arena, size_t arena_size)
{
    engine_error err;
    uint8_t *m = malloc(len ? len : 1u);
    memcpy(m, bytes, len);
    g_loads++;
    if (engine_load(m, len, arena, arena_size, &err) == ENGINE_OK) {
        g_accepted++;
        for (unsigned i = 0; i < engine_input_count(); i++) {
            memset(engine_input_buffer_at((uint8_t)i), 0x5A, engine_input_info_at((uint8_t)i)->bytes);
        }
        (void)engine_invoke(NULL, NULL, 0, NULL, &err);
        engine_unload();
    } else {
        g_rejected++;
        if (err.msg[0] == '\0') {
            fprintf(stderr, "error without a message at length %u\n", (unsigned)len);
            abort();
        }
    }
    free(m);
}

static int mutate(const char *model_path, unsigned iters, uint32_t seed, size_t arena_size)
{
    size_t len;
    uint8_t *model = read_file(model_path, &len);
    uint8_t *arena = malloc(arena_size);
    uint8_t *work = malloc(len ? len : 1u);
    if (model == NULL || arena == NULL || work == NULL) {
        free(model);
        free(arena);
        free(work);
        return finish(2, "i/o error", 0);
    }
    /* truncations: every length up to 2 KiB, then about 400 more */
    size_t step = len / 400u + 1u;
    for (size_t n = 0; n < len; n += n < 2048u ? 1u : step) {
        try_model(model, n, arena, arena_size);
    }
    /* corruptions: 1..8 random bytes replaced, biased to small values and
     * to the last 4 KiB and the first 1 KiB, where the tables usually are */
    uint32_t s = seed ? seed : 1u;
    for (unsigned it = 0; it < iters; it++) {
        memcpy(work, model, len);
        unsigned k = 1u + rng(&s) % 8u;
        for (unsigned j = 0; j < k; j++) {
            size_t pos;
            uint32_t where = rng(&s) % 4u;
            if (where == 0u && len > 4096u) {
                pos = len - 1u - rng(&s) % 4096u;
            } else if (where == 1u) {
                pos = rng(&s) % (len < 1024u ? len : 1024u);
            } else {
                pos = rng(&s) % len;
            }
            uint32_t v = rng(&s);
            work[pos] = (uint8_t)((v & 0x100u) ? (v & 0xFFu) : (v & 0x0Fu));
        }
        try_model(work, len, arena, arena_size);
    }
    fprintf(stderr, "{\"status\": 0, \"msg\": \"\", \"loads\": %u, \"rejected\": %u, \"accepted\": %u}\n", g_loads,
            g_rejected, g_accepted);
    free(model);
    free(arena);
    free(work);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: engine_run MODEL IN.bin OUT.bin [--arena N] [--quiet] [--reset]\n"
                    "       engine_run --check MODEL [--arena N]\n"
                    "       engine_run --mutate MODEL [--iters N] [--seed S] [--arena N]\n");
    return finish(2, "usage", 0);
}

int main(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    unsigned n_pos = 0;
    size_t arena = DEFAULT_ARENA;
    unsigned iters = 2000;
    uint32_t seed = 1;
    int check = 0, do_mutate = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--arena") == 0 && i + 1 < argc) {
            arena = (size_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(a, "--iters") == 0 && i + 1 < argc) {
            iters = (unsigned)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            seed = (uint32_t)strtoul(argv[++i], NULL, 0);
        } else if (strcmp(a, "--check") == 0) {
            check = 1;
        } else if (strcmp(a, "--mutate") == 0) {
            do_mutate = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--reset") == 0) {
            g_reset_each = 1;
        } else if (a[0] == '-' && a[1] == '-') {
            return usage();
        } else if (n_pos < 3u) {
            pos[n_pos++] = a;
        } else {
            return usage();
        }
    }
    if (do_mutate && n_pos == 1u) {
        return mutate(pos[0], iters, seed, arena);
    }
    if (check && n_pos == 1u) {
        return run(pos[0], NULL, NULL, arena, quiet);
    }
    if (!check && !do_mutate && n_pos == 3u) {
        return run(pos[0], pos[1], pos[2], arena, quiet);
    }
    return usage();
}
