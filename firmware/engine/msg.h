/* A tiny message formatter for engine_error (no printf in the engine).
 * Supports %d (int), %u (unsigned), %s and %%; output is truncated to
 * ENGINE_MSG_LEN - 1 characters and always NUL-terminated. */
#ifndef ENG_MSG_H
#define ENG_MSG_H

#include "engine.h"

/* Sets err->status and err->msg (err may be NULL); returns status. */
int eng_fail(engine_error *err, int status, const char *fmt, ...);

#endif
