/* libFuzzer target: engine_load() on arbitrary bytes, then engine_invoke()
 * when the model loads. Build and run with `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define ARENA_SIZE (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t arena[ARENA_SIZE] __attribute__((aligned(16)));
    engine_error err;
    /* An exact-size copy so that ASan flags any read past the end. libFuzzer's
     * buffer is not necessarily aligned like a model slot; copy into malloc
     * memory, which is. */
    uint8_t *model = malloc(size ? size : 1u);
    if (model == NULL) {
        return 0;
    }
    memcpy(model, data, size);
    if (engine_load(model, size, arena, sizeof arena, &err) == ENGINE_OK) {
        for (uint8_t i = 0; i < engine_input_count(); i++) {
            memset(engine_input_buffer_at(i), 0x81, engine_input_info_at(i)->bytes);
        }
        engine_op_profile prof[8];
        uint16_t n = 0;
        (void)engine_invoke(NULL, prof, 8, &n, &err);
        engine_unload();
    } else if (err.msg[0] == '\0' || memchr(err.msg, '\0', sizeof err.msg) == NULL) {
        abort(); /* every rejection must explain itself */
    }
    free(model);
    return 0;
}
