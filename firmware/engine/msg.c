#include "msg.h"

#include <stdarg.h>

typedef struct {
    char *p;
    unsigned n;
} out_t;

static void put(out_t *o, char c)
{
    if (o->n + 1u < ENGINE_MSG_LEN) {
        o->p[o->n++] = c;
    }
}

static void put_str(out_t *o, const char *s)
{
    while (s != 0 && *s != '\0') {
        put(o, *s++);
    }
}

static void put_uint(out_t *o, unsigned long v)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (i > 0) {
        put(o, tmp[--i]);
    }
}

int eng_fail(engine_error *err, int status, const char *fmt, ...)
{
    if (err == 0) {
        return status;
    }
    out_t o = {err->msg, 0};
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt != '\0'; fmt++) {
        if (*fmt != '%' || fmt[1] == '\0') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == 'd') {
            long v = va_arg(ap, int);
            if (v < 0) {
                put(&o, '-');
                put_uint(&o, (unsigned long)(-v));
            } else {
                put_uint(&o, (unsigned long)v);
            }
        } else if (*fmt == 'u') {
            put_uint(&o, va_arg(ap, unsigned));
        } else if (*fmt == 's') {
            put_str(&o, va_arg(ap, const char *));
        } else {
            put(&o, *fmt);
        }
    }
    va_end(ap);
    err->msg[o.n] = '\0';
    err->status = status;
    return status;
}
