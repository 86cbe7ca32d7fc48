#include <stdlib.h>
#include <string.h>

#include "../../core/cobs.h"
#include "check.h"

static void vector(const uint8_t *in, size_t n, const uint8_t *enc, size_t m)
{
    uint8_t out[600], back[600];
    size_t k = cobs_encode(in, n, out);
    CHECK_EQ(k, m);
    CHECK(memcmp(out, enc, m) == 0);
    long d = cobs_decode(enc, m, back, sizeof back);
    CHECK_EQ(d, n);
    CHECK(d < 0 || memcmp(back, in, n) == 0);
}

/* The published examples (Cheshire & Baker; Wikipedia's table). */
static void known_vectors(void)
{
    uint8_t in[300], enc[300];
    vector((const uint8_t *)"\x00", 1, (const uint8_t *)"\x01\x01", 2);
    vector((const uint8_t *)"\x00\x00", 2, (const uint8_t *)"\x01\x01\x01", 3);
    vector((const uint8_t *)"\x11\x22\x00\x33", 4,
           (const uint8_t *)"\x03\x11\x22\x02\x33", 5);
    vector((const uint8_t *)"\x11\x00\x00\x00", 4,
           (const uint8_t *)"\x02\x11\x01\x01\x01", 5);

    for (int i = 0; i < 254; i++) /* 01..FE -> FF 01..FE */
        in[i] = (uint8_t)(i + 1), enc[i + 1] = (uint8_t)(i + 1);
    enc[0] = 0xFF;
    vector(in, 254, enc, 255);

    for (int i = 0; i < 255; i++) /* 00..FE -> 01 FF 01..FE */
        in[i] = (uint8_t)i;
    enc[0] = 0x01;
    enc[1] = 0xFF;
    for (int i = 1; i < 255; i++)
        enc[i + 1] = (uint8_t)i;
    vector(in, 255, enc, 256);

    for (int i = 0; i < 255; i++) /* 01..FF -> FF 01..FE 02 FF */
        in[i] = (uint8_t)(i + 1);
    enc[0] = 0xFF;
    for (int i = 0; i < 254; i++)
        enc[i + 1] = (uint8_t)(i + 1);
    enc[255] = 0x02;
    enc[256] = 0xFF;
    vector(in, 255, enc, 257);

    for (int i = 0; i < 254; i++) /* 02..FF 00 -> FF 02..FF 01 01 */
        in[i] = (uint8_t)(i + 2);
    in[254] = 0;
    enc[0] = 0xFF;
    for (int i = 0; i < 254; i++)
        enc[i + 1] = (uint8_t)(i + 2);
    enc[255] = 0x01;
    enc[256] = 0x01;
    vector(in, 255, enc, 257);
}

static void round_trips(void)
{
    static uint8_t in[3000], enc[3100], back[3000];
    srand(1);
    const size_t sizes[] = {0, 1, 2, 253, 254, 255, 256, 507, 508, 509, 1034,
                            2999};
    for (int pattern = 0; pattern < 4; pattern++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            size_t n = sizes[s];
            for (size_t i = 0; i < n; i++) {
                int r = rand();
                in[i] = pattern == 0   ? 0                     /* all zero */
                        : pattern == 1 ? (uint8_t)(1 + r % 255) /* no zero */
                        : pattern == 2 ? (uint8_t)(r % 4 ? r : 0)
                                       : (uint8_t)((i / 100) % 2 ? 0 : 7);
            }
            size_t m = cobs_encode(in, n, enc);
            CHECK(m <= n + n / 254 + 1);
            CHECK(memchr(enc, 0, m) == NULL);
            long d = cobs_decode(enc, m, back, sizeof back);
            CHECK_EQ(d, n);
            CHECK(d < 0 || memcmp(in, back, n) == 0);
        }
    }
}

static int feed(cobs_decoder *d, const uint8_t *p, size_t n, int *bad)
{
    int frames = 0;
    for (size_t i = 0; i < n; i++) {
        int r = cobs_decode_byte(d, p[i]);
        frames += r == COBS_FRAME;
        *bad += r == COBS_BAD;
    }
    return frames;
}

static void streaming(void)
{
    uint8_t buf[16];
    cobs_decoder d;
    int bad = 0;
    cobs_decoder_init(&d, buf, sizeof buf);

    /* Delimiters alone are not frames. */
    CHECK_EQ(feed(&d, (const uint8_t *)"\x00\x00", 2, &bad), 0);
    CHECK_EQ(bad, 0);
    /* Truncated block (code says 4 data bytes, 2 arrive), then resync. */
    CHECK_EQ(feed(&d, (const uint8_t *)"\x05\x11\x22\x00", 4, &bad), 0);
    CHECK_EQ(bad, 1);
    CHECK_EQ(feed(&d, (const uint8_t *)"\x03\x11\x22\x02\x33\x00", 6, &bad), 1);
    CHECK_EQ(d.len, 4);
    CHECK(memcmp(buf, "\x11\x22\x00\x33", 4) == 0);
    /* Oversized frame is dropped, the next one is fine. */
    uint8_t big[40];
    memset(big, 0x09, sizeof big);
    big[0] = 30;
    big[39] = 0;
    CHECK_EQ(feed(&d, big, sizeof big, &bad), 0);
    CHECK_EQ(bad, 2);
    CHECK_EQ(feed(&d, (const uint8_t *)"\x02\x41\x00", 3, &bad), 1);
    CHECK_EQ(d.len, 1);
    CHECK_EQ(buf[0], 0x41);
}

void test_cobs(void)
{
    known_vectors();
    round_trips();
    streaming();
}
