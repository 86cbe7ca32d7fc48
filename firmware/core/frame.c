#include "frame.h"

#include <string.h>

#include "bytes.h"
#include "cobs.h"
#include "crc32.h"

int frame_parse(const uint8_t *buf, size_t n, tf_frame *f)
{
    if (n < TF_FRAME_HDR + TF_FRAME_CRC)
        return -1;
    uint16_t len = tf_get_u16(buf + 4);
    if ((size_t)len + TF_FRAME_HDR + TF_FRAME_CRC != n || len > TF_MAX_PAYLOAD)
        return -1;
    if (crc32(buf, n - TF_FRAME_CRC) != tf_get_u32(buf + n - TF_FRAME_CRC))
        return -1;
    f->type = buf[0];
    f->flags = buf[1];
    f->seq = tf_get_u16(buf + 2);
    f->len = len;
    f->payload = buf + TF_FRAME_HDR;
    return 0;
}

void tx_begin(tf_tx *t, uint8_t type, uint16_t seq)
{
    t->buf[0] = type;
    t->buf[1] = 0;
    tf_put_u16(t->buf + 2, seq);
    tf_put_u16(t->buf + 4, 0);
    t->len = TF_FRAME_HDR;
    t->overflow = 0;
}

size_t tx_room(const tf_tx *t)
{
    return TF_FRAME_HDR + TF_MAX_PAYLOAD - t->len;
}

void tx_bytes(tf_tx *t, const void *data, size_t len)
{
    if (len > tx_room(t)) {
        t->overflow = 1;
        len = tx_room(t);
    }
    if (len)
        memcpy(t->buf + t->len, data, len);
    t->len += len;
}

void tx_u8(tf_tx *t, uint8_t v)
{
    tx_bytes(t, &v, 1);
}

void tx_u16(tf_tx *t, uint16_t v)
{
    uint8_t b[2];
    tf_put_u16(b, v);
    tx_bytes(t, b, 2);
}

void tx_u32(tf_tx *t, uint32_t v)
{
    uint8_t b[4];
    tf_put_u32(b, v);
    tx_bytes(t, b, 4);
}

void tx_u64(tf_tx *t, uint64_t v)
{
    tx_u32(t, (uint32_t)v);
    tx_u32(t, (uint32_t)(v >> 32));
}

void tx_str(tf_tx *t, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > 255)
        n = 255;
    tx_u8(t, (uint8_t)n);
    tx_bytes(t, s, n);
}

static void write_sink(void *ctx, const uint8_t *data, size_t len)
{
    frame_write_fn write = *(frame_write_fn *)ctx;
    write(data, len);
}

void tx_send(tf_tx *t, frame_write_fn write)
{
    tf_put_u16(t->buf + 4, (uint16_t)(t->len - TF_FRAME_HDR));
    tf_put_u32(t->buf + t->len, crc32(t->buf, t->len));
    static const uint8_t delim = 0;
    cobs_encode_to(t->buf, t->len + TF_FRAME_CRC, write_sink, &write);
    write(&delim, 1);
}
