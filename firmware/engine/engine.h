/* The int8 inference engine: what the agent core needs from it.
 *
 * One model at a time, no dynamic allocation: every buffer lives in the arena
 * the caller passes to engine_load(). A firmware built on TensorFlow Lite
 * Micro can serve the same agent by implementing these functions over
 * tflite::MicroInterpreter (see docs/porting.md). */
#ifndef TF_ENGINE_H
#define TF_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#define ENGINE_MAX_DIMS 6
#define ENGINE_MSG_LEN 120

/* Status codes; the agent maps them onto protocol ERROR codes. */
enum engine_status {
    ENGINE_OK = 0,
    ENGINE_MODEL_INVALID = 4,
    ENGINE_UNSUPPORTED = 5,
    ENGINE_ARENA_TOO_SMALL = 6,
    ENGINE_INFER_FAILED = 9,
};

typedef struct {
    uint8_t type; /* TFLite TensorType: 9 INT8, 3 UINT8, 7 INT16, 2 INT32, 0 FLOAT32 */
    uint8_t ndims;
    int32_t dims[ENGINE_MAX_DIMS];
    float scale;
    int32_t zero_point;
    uint32_t bytes;
} engine_tensor_info;

typedef struct {
    int status;                 /* enum engine_status */
    char msg[ENGINE_MSG_LEN];   /* human-readable: op name, tensor index, sizes */
} engine_error;

/* Per-operator timing: the engine calls now() before and after each op. */
typedef uint64_t (*engine_clock_fn)(void);

typedef struct {
    uint8_t builtin_op;  /* TFLite BuiltinOperator code */
    uint16_t op_index;
    uint32_t ticks;
} engine_op_profile;

/* Validate the flatbuffer (every offset, size and index is bounds-checked),
 * check that every op and tensor type is supported, plan the activations in
 * the arena. Returns ENGINE_OK or an error with err->msg filled. The model
 * bytes must stay valid while the model is loaded (they are not copied). */
int engine_load(const uint8_t *model, size_t model_len, uint8_t *arena,
                size_t arena_size, engine_error *err);

/* Variable (state) tensors of stateful models (UNIDIRECTIONAL_SEQUENCE_LSTM,
 * SVDF) keep their value from one engine_invoke() to the next, as in TFLM.
 * engine_reset_state() sets them back to their initial value (int8: the
 * zero point, otherwise 0), as TFLM's MicroInterpreter::Reset() does;
 * engine_load() does it too. No effect on a stateless model. */
void engine_reset_state(void);

/* Forget the loaded model. */
void engine_unload(void);

int engine_loaded(void);
uint16_t engine_op_count(void);
size_t engine_arena_used(void);
/* Models may have several inputs and outputs (subgraph order). The
 * single-tensor functions below are index 0. */
uint8_t engine_input_count(void);
uint8_t engine_output_count(void);
const engine_tensor_info *engine_input_info_at(uint8_t i);  /* NULL if i >= count */
const engine_tensor_info *engine_output_info_at(uint8_t i);
uint8_t *engine_input_buffer_at(uint8_t i);
const uint8_t *engine_output_buffer_at(uint8_t i);
const engine_tensor_info *engine_input_info(void);
const engine_tensor_info *engine_output_info(void);
uint8_t *engine_input_buffer(void);        /* input_info()->bytes writable */
const uint8_t *engine_output_buffer(void); /* valid after engine_invoke */

/* Run the model on the input buffer. When profile is not NULL, fill up to
 * max_profile entries (one per op, in execution order) using now(); *n_profile
 * receives the count. */
int engine_invoke(engine_clock_fn now, engine_op_profile *profile,
                  uint16_t max_profile, uint16_t *n_profile, engine_error *err);

#endif
