/* TEST DOUBLE of engine.h for the agent's unit tests, not an engine.
 * A "model" is the magic "FAKE", a u8 input size n (1..64), then padding.
 * It needs 2*n arena bytes, has 2 ops, and outputs input[i] + 1. A model
 * whose 5th byte is 0 asks for more arena than any test gives it.
 * State: when input[0] is 0xC5, output[1] is instead the number of invokes
 * since the last load or engine_reset_state() (a stateful model's probe). */
#include <string.h>

#include "../../engine/engine.h"

static int loaded;
static uint8_t steps; /* invokes since load or reset */
static engine_tensor_info in_info, out_info;
static uint8_t *in_buf, *out_buf;

static int fail(engine_error *err, int status, const char *msg)
{
    err->status = status;
    strncpy(err->msg, msg, ENGINE_MSG_LEN - 1);
    err->msg[ENGINE_MSG_LEN - 1] = 0;
    return status;
}

int engine_load(const uint8_t *model, size_t model_len, uint8_t *arena,
                size_t arena_size, engine_error *err)
{
    if (model_len < 5 || memcmp(model, "FAKE", 4) != 0)
        return fail(err, ENGINE_MODEL_INVALID, "fake: bad magic at offset 0");
    size_t n = model[4];
    if (n == 0 || 2 * n > arena_size)
        return fail(err, ENGINE_ARENA_TOO_SMALL,
                    "fake: arena needs 100000 bytes, 1024 available");
    memset(&in_info, 0, sizeof in_info);
    in_info.type = 9;
    in_info.ndims = 2;
    in_info.dims[0] = 1;
    in_info.dims[1] = (int32_t)n;
    in_info.scale = 0.5f;
    in_info.zero_point = -3;
    in_info.bytes = (uint32_t)n;
    out_info = in_info;
    in_buf = arena;
    out_buf = arena + n;
    loaded = 1;
    steps = 0;
    return ENGINE_OK;
}

void engine_unload(void) { loaded = 0; }
void engine_reset_state(void) { steps = 0; }
int engine_loaded(void) { return loaded; }
uint16_t engine_op_count(void) { return 2; }
size_t engine_arena_used(void) { return loaded ? 2 * in_info.bytes : 0; }
uint8_t engine_input_count(void) { return loaded ? 1 : 0; }
uint8_t engine_output_count(void) { return loaded ? 1 : 0; }
const engine_tensor_info *engine_input_info_at(uint8_t i) { return i == 0 ? &in_info : NULL; }
const engine_tensor_info *engine_output_info_at(uint8_t i) { return i == 0 ? &out_info : NULL; }
uint8_t *engine_input_buffer_at(uint8_t i) { return i == 0 ? in_buf : NULL; }
const uint8_t *engine_output_buffer_at(uint8_t i) { return i == 0 ? out_buf : NULL; }
const engine_tensor_info *engine_input_info(void) { return &in_info; }
const engine_tensor_info *engine_output_info(void) { return &out_info; }
uint8_t *engine_input_buffer(void) { return in_buf; }
const uint8_t *engine_output_buffer(void) { return out_buf; }

int engine_invoke(engine_clock_fn now, engine_op_profile *profile,
                  uint16_t max_profile, uint16_t *n_profile, engine_error *err)
{
    if (!loaded)
        return fail(err, ENGINE_INFER_FAILED, "fake: no model");
    if (in_buf[0] == 0xEE)
        return fail(err, ENGINE_INFER_FAILED, "fake: op 1 failed");
    *n_profile = 0;
    for (uint16_t op = 0; op < 2; op++) {
        uint64_t t0 = now();
        if (op == 0)
            for (uint32_t i = 0; i < in_info.bytes; i++)
                out_buf[i] = (uint8_t)(in_buf[i] + 1);
        if (op == 0 && in_buf[0] == 0xC5 && in_info.bytes > 1)
            out_buf[1] = steps;
        if (profile && op < max_profile) {
            profile[op].builtin_op = 9; /* FULLY_CONNECTED */
            profile[op].op_index = op;
            profile[op].ticks = (uint32_t)(now() - t0);
            (*n_profile)++;
        }
    }
    steps++;
    return ENGINE_OK;
}
