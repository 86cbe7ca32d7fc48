#include <string.h>

#include "../../core/bytes.h"
#include "../../core/cobs.h"
#include "../../core/crc32.h"
#include "../../core/frame.h"
#include "check.h"

static uint8_t sent[4096];
static size_t sent_len;

static void capture(const uint8_t *d, size_t n)
{
    memcpy(sent + sent_len, d, n);
    sent_len += n;
}

void test_frame(void)
{
    static tf_tx t;
    tf_frame f;
    uint8_t raw[2048];

    /* Build, send, decode, parse. */
    sent_len = 0;
    tx_begin(&t, 0x8B, 0x1234);
    tx_bytes(&t, "\x00\x01\x00", 3);
    tx_u32(&t, 0xA1B2C3D4);
    tx_send(&t, capture);
    CHECK(sent_len > 0 && sent[sent_len - 1] == 0);
    CHECK(memchr(sent, 0, sent_len - 1) == NULL);
    long n = cobs_decode(sent, sent_len - 1, raw, sizeof raw);
    CHECK_EQ(n, 6 + 7 + 4);
    CHECK_EQ(frame_parse(raw, (size_t)n, &f), 0);
    CHECK_EQ(f.type, 0x8B);
    CHECK_EQ(f.seq, 0x1234);
    CHECK_EQ(f.len, 7);
    CHECK_EQ(tf_get_u32(f.payload + 3), 0xA1B2C3D4u);

    /* Bad CRC, short, and length disagreeing with the size. */
    raw[7] ^= 1;
    CHECK_EQ(frame_parse(raw, (size_t)n, &f), -1);
    raw[7] ^= 1;
    CHECK_EQ(frame_parse(raw, (size_t)n - 1, &f), -1);
    CHECK_EQ(frame_parse(raw, 9, &f), -1);
    tf_put_u16(raw + 4, 6);
    tf_put_u32(raw + n - 4, crc32(raw, (size_t)n - 4));
    CHECK_EQ(frame_parse(raw, (size_t)n, &f), -1);

    /* Oversized payload is flagged, not overrun. */
    tx_begin(&t, 0x8B, 1);
    static uint8_t big[TF_MAX_PAYLOAD + 10];
    tx_bytes(&t, big, sizeof big);
    CHECK(t.overflow);
    CHECK_EQ(tx_room(&t), 0);

    /* Strings are cut at 255. */
    char s[300];
    memset(s, 'x', sizeof s - 1);
    s[299] = 0;
    tx_begin(&t, 0xFF, 1);
    tx_str(&t, s);
    CHECK_EQ(t.buf[6], 255);
    CHECK_EQ(t.len, 6 + 1 + 255);
}
