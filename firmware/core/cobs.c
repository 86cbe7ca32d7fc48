#include "cobs.h"

void cobs_encode_to(const uint8_t *in, size_t n, cobs_sink sink, void *ctx)
{
    size_t i = 0;
    for (;;) {
        size_t run = 0;
        while (run < 254 && i + run < n && in[i + run] != 0)
            run++;
        uint8_t code = (uint8_t)(run + 1);
        sink(ctx, &code, 1);
        if (run)
            sink(ctx, in + i, run);
        i += run;
        if (run == 254) {
            /* A full block carries no implied zero. */
            if (i == n)
                return;
            continue;
        }
        if (i == n)
            return;
        i++; /* the zero this block stands for; a block always follows */
    }
}

typedef struct {
    uint8_t *out;
    size_t len;
} buf_sink_ctx;

static void buf_sink(void *ctx, const uint8_t *data, size_t len)
{
    buf_sink_ctx *c = ctx;
    for (size_t k = 0; k < len; k++)
        c->out[c->len++] = data[k];
}

size_t cobs_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    buf_sink_ctx c = {out, 0};
    cobs_encode_to(in, n, buf_sink, &c);
    return c.len;
}

void cobs_decoder_init(cobs_decoder *d, uint8_t *buf, size_t cap)
{
    d->buf = buf;
    d->cap = cap;
    d->len = 0;
    d->code = 0;
    d->remain = 0;
    d->started = 0;
    d->broken = 0;
}

static void reset_frame(cobs_decoder *d)
{
    d->len = 0;
    d->code = 0;
    d->remain = 0;
    d->started = 0;
    d->broken = 0;
}

static void put(cobs_decoder *d, uint8_t b)
{
    if (d->len < d->cap)
        d->buf[d->len++] = b;
    else
        d->broken = 1;
}

int cobs_decode_byte(cobs_decoder *d, uint8_t b)
{
    if (b == 0) {
        int r;
        if (!d->started && !d->broken)
            r = COBS_MORE; /* empty: back-to-back delimiters */
        else if (d->broken || d->remain)
            r = COBS_BAD;  /* oversized, or cut inside a block */
        else
            r = COBS_FRAME;
        size_t len = d->len;
        reset_frame(d);
        d->len = (r == COBS_FRAME) ? len : 0;
        return r;
    }
    if (d->started == 0 && d->len)
        d->len = 0; /* previous frame consumed */
    if (d->broken)
        return COBS_MORE;
    if (d->remain == 0) {
        if (d->started && d->code != 0xFF)
            put(d, 0);
        d->code = b;
        d->remain = (uint8_t)(b - 1);
        d->started = 1;
    } else {
        put(d, b);
        d->remain--;
    }
    return COBS_MORE;
}

long cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    cobs_decoder d;
    cobs_decoder_init(&d, out, cap);
    for (size_t i = 0; i < n; i++) {
        if (in[i] == 0)
            return -1;
        cobs_decode_byte(&d, in[i]);
    }
    return cobs_decode_byte(&d, 0) == COBS_FRAME ? (long)d.len : -1;
}
