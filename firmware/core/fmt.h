/* Minimal message formatting for ERROR strings, without printf. */
#ifndef TF_FMT_H
#define TF_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Supports %s, %u (unsigned int / uint32_t), %x (hex) and %%. Always
 * NUL-terminates; output is cut at cap - 1. Returns the length written. */
size_t tf_fmt(char *out, size_t cap, const char *fmt, ...);
size_t tf_vfmt(char *out, size_t cap, const char *fmt, va_list ap);

#endif
