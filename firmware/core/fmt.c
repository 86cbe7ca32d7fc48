#include "fmt.h"

#include <stdint.h>

typedef struct {
    char *out;
    size_t cap;
    size_t len;
} fmt_buf;

static void put_c(fmt_buf *b, char c)
{
    if (b->len + 1 < b->cap)
        b->out[b->len++] = c;
}

static void put_num(fmt_buf *b, uint32_t v, unsigned base)
{
    char tmp[11];
    int n = 0;
    do {
        unsigned d = v % base;
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (n)
        put_c(b, tmp[--n]);
}

size_t tf_vfmt(char *out, size_t cap, const char *fmt, va_list ap)
{
    fmt_buf b = {out, cap, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%' || !p[1]) {
            put_c(&b, *p);
            continue;
        }
        char c = *++p;
        if (c == 's') {
            for (const char *s = va_arg(ap, const char *); s && *s; s++)
                put_c(&b, *s);
        } else if (c == 'u') {
            put_num(&b, va_arg(ap, unsigned), 10);
        } else if (c == 'x') {
            put_num(&b, va_arg(ap, unsigned), 16);
        } else {
            put_c(&b, c);
        }
    }
    if (cap)
        out[b.len] = 0;
    return b.len;
}

size_t tf_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = tf_vfmt(out, cap, fmt, ap);
    va_end(ap);
    return n;
}
