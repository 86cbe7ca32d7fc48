/* The dispatcher end to end through the fake port and the fake engine. */
#include <string.h>

#include "../../core/agent.h"
#include "../../core/agent_config.h"
#include "../../core/bytes.h"
#include "../../core/cobs.h"
#include "../../core/crc32.h"
#include "../../core/protocol.h"
#include "../../core/sha256.h"
#include "check.h"
#include "fake_port.h"

typedef struct {
    uint8_t type;
    uint16_t seq;
    uint16_t len;
    uint8_t payload[2048];
} rframe;

static rframe got[16];
static int n_got;

static size_t encode_request(uint8_t *wire, uint8_t type, uint16_t seq,
                             const void *payload, size_t len)
{
    static uint8_t raw[4096];
    raw[0] = type;
    raw[1] = 0;
    tf_put_u16(raw + 2, seq);
    tf_put_u16(raw + 4, (uint16_t)len);
    if (len)
        memcpy(raw + 6, payload, len);
    tf_put_u32(raw + 6 + len, crc32(raw, 6 + len));
    size_t m = cobs_encode(raw, 10 + len, wire);
    wire[m] = 0;
    return m + 1;
}

/* Decode every frame the agent wrote. */
static void collect(void)
{
    size_t len;
    const uint8_t *tx = fake_port_tx(&len);
    static uint8_t raw[4096];
    n_got = 0;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (tx[i] != 0)
            continue;
        long n = cobs_decode(tx + start, i - start, raw, sizeof raw);
        start = i + 1;
        CHECK(n >= 10);
        if (n < 10 || n_got == 16)
            continue;
        CHECK_EQ(crc32(raw, (size_t)n - 4), tf_get_u32(raw + n - 4));
        rframe *r = &got[n_got++];
        r->type = raw[0];
        r->seq = tf_get_u16(raw + 2);
        r->len = tf_get_u16(raw + 4);
        CHECK_EQ(r->len + 10, n);
        memcpy(r->payload, raw + 6, r->len);
    }
    CHECK_EQ(start, len); /* output ends with a delimiter */
    fake_port_tx_clear();
}

static void pump(void)
{
    while (agent_poll())
        ;
    collect();
}

static void request(uint8_t type, uint16_t seq, const void *p, size_t len)
{
    static uint8_t wire[4200];
    fake_port_rx(wire, encode_request(wire, type, seq, p, len));
    pump();
}

static int is_error(int i, uint16_t code)
{
    return i < n_got && got[i].type == 0xFF &&
           tf_get_u16(got[i].payload) == code;
}

static const char *error_msg(int i)
{
    static char m[256];
    memcpy(m, got[i].payload + 3, got[i].payload[2]);
    m[got[i].payload[2]] = 0;
    return m;
}

static uint32_t stat(int field)
{
    request(TF_STATS, 99, NULL, 0);
    CHECK_EQ(got[0].type, 0x89);
    return tf_get_u32(got[0].payload + 4 * field);
}

static void hello_echo_stats(void)
{
    request(TF_HELLO, 1, "\x78\x56\x34\x12", 4);
    CHECK_EQ(n_got, 1);
    const uint8_t *p = got[0].payload;
    CHECK_EQ(got[0].type, 0x81);
    CHECK_EQ(got[0].seq, 1);
    CHECK_EQ(tf_get_u16(p), 1);
    CHECK_EQ(tf_get_u16(p + 2), TF_MAX_PAYLOAD);
    CHECK_EQ(p[4], TF_RX_WINDOW);
    CHECK_EQ(tf_get_u32(p + 6), 0x3F); /* every capability */
    CHECK_EQ(tf_get_u32(p + 10), 0x12345678u);
    CHECK_EQ(tf_get_u32(p + 14), 48000000);
    CHECK_EQ(tf_get_u32(p + 18), 1000000);
    CHECK_EQ(tf_get_u32(p + 22), 0x21000000);
    CHECK_EQ(tf_get_u32(p + 26), 4096);
    CHECK_EQ(tf_get_u32(p + 30), 1024);
    CHECK_EQ(tf_get_u32(p + 86), 0); /* no model */
    CHECK_EQ(p[90], 9);
    CHECK(memcmp(p + 91, "testboard", 9) == 0);
    CHECK_EQ(p[100], 4);
    CHECK(memcmp(p + 101, "fake", 4) == 0);
    CHECK_EQ(got[0].len, 105);

    static uint8_t data[TF_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i % 3 ? i : 0);
    const size_t sizes[] = {0, 1, 253, 254, 255, TF_MAX_PAYLOAD};
    for (size_t s = 0; s < 6; s++) {
        request(TF_ECHO, (uint16_t)(100 + s), data, sizes[s]);
        CHECK_EQ(n_got, 1);
        CHECK_EQ(got[0].type, 0x8B);
        CHECK_EQ(got[0].seq, 100 + s);
        CHECK_EQ(got[0].len, sizes[s]);
        CHECK(memcmp(got[0].payload, data, sizes[s]) == 0);
    }
    CHECK_EQ(stat(1), 1024);  /* arena_size */
    CHECK_EQ(stat(2), 512);   /* stack_hwm */
    CHECK_EQ(stat(5), 7);     /* rx_overflows from the port */
}

static void announce(void)
{
    static const char want[] = "tinyfarm agent up: board testboard, port fake";
    agent_announce();
    collect();
    CHECK_EQ(n_got, 1);
    CHECK_EQ(got[0].type, TF_LOG);
    CHECK_EQ(got[0].seq, 0);
    CHECK_EQ(got[0].len, sizeof want - 1);
    CHECK(memcmp(got[0].payload, want, sizeof want - 1) == 0);
}

static void bad_frames_and_errors(void)
{
    uint32_t bad0 = stat(6), ok0 = stat(7);
    /* Garbage, a frame with a bad CRC, a truncated frame: each is dropped
     * and answered with a BAD_FRAME NAK under seq 0. */
    static uint8_t wire[64];
    fake_port_rx((const uint8_t *)"\x13\x37\xFF\x00", 4);
    size_t m = encode_request(wire, TF_ECHO, 5, "hi", 2);
    wire[3] ^= 0x40;
    fake_port_rx(wire, m);
    m = encode_request(wire, TF_ECHO, 6, "hi", 2);
    wire[m - 3] = 0;
    fake_port_rx(wire, m - 2);
    pump();
    CHECK_EQ(n_got, 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK(is_error(i, TF_E_BAD_FRAME));
        CHECK_EQ(got[i].seq, 0);
    }
    CHECK_EQ(stat(6), bad0 + 3);
    CHECK_EQ(stat(7), ok0 + 2); /* the two STATS requests */

    /* Two requests in one read are both served, in order. */
    uint8_t two[64];
    size_t a = encode_request(two, TF_ECHO, 7, "a", 1);
    size_t b = encode_request(two + a, TF_ECHO, 8, "b", 1);
    fake_port_rx(two, a + b);
    pump();
    CHECK_EQ(n_got, 2);
    CHECK_EQ(got[0].seq, 7);
    CHECK_EQ(got[1].seq, 8);

    request(0x42, 9, NULL, 0);
    CHECK(is_error(0, TF_E_BAD_REQUEST));
    CHECK_EQ(got[0].seq, 9);
    request(0x81, 9, NULL, 0); /* a response type from the host */
    CHECK(is_error(0, TF_E_BAD_REQUEST));
    request(TF_HELLO, 10, "\x01", 1);
    CHECK(is_error(0, TF_E_BAD_REQUEST));
    request(TF_INFER, 11, "\x00", 1);
    CHECK(is_error(0, TF_E_NO_MODEL));
    request(TF_INPUT, 12, "\x00\x00\x00\x00\x01", 5);
    CHECK(is_error(0, TF_E_NO_MODEL));
    request(TF_LOAD_CHUNK, 13, "\x00\x00\x00\x00\x01", 5);
    CHECK(is_error(0, TF_E_BAD_REQUEST));
    request(TF_LOAD_END, 14, NULL, 0);
    CHECK(is_error(0, TF_E_BAD_REQUEST));
}

static void begin(uint16_t seq, uint32_t len, const uint8_t *sha)
{
    uint8_t p[36];
    tf_put_u32(p, len);
    memcpy(p + 4, sha, 32);
    request(TF_LOAD_BEGIN, seq, p, 36);
}

static void chunk(uint16_t seq, uint32_t off, const void *d, size_t n)
{
    uint8_t p[1100];
    tf_put_u32(p, off);
    memcpy(p + 4, d, n);
    request(TF_LOAD_CHUNK, seq, p, 4 + n);
}

static void load_and_infer(void)
{
    uint8_t model[300], sha[32];
    memset(model, 0x5A, sizeof model);
    memcpy(model, "FAKE\x08", 5);
    sha256(model, sizeof model, sha);

    begin(20, 5000, sha);
    CHECK(is_error(0, TF_E_SLOT_TOO_SMALL));
    begin(21, sizeof model, sha);
    CHECK_EQ(got[0].type, 0x82);
    chunk(22, 200, model + 200, 100); /* out of order is fine */
    CHECK_EQ(got[0].type, 0x83);
    CHECK_EQ(tf_get_u32(got[0].payload), 200);
    chunk(23, 250, model, 100);
    CHECK(is_error(0, TF_E_BAD_ARG));
    request(TF_LOAD_END, 24, NULL, 0);
    CHECK(is_error(0, TF_E_SHA_MISMATCH));
    chunk(25, 0, model, 200);
    request(TF_LOAD_END, 26, NULL, 0);
    CHECK_EQ(got[0].type, 0x84);
    const uint8_t *p = got[0].payload;
    CHECK_EQ(tf_get_u32(p), 16);
    CHECK_EQ(tf_get_u32(p + 4), 1024);
    CHECK_EQ(tf_get_u16(p + 8), 2);
    CHECK_EQ(p[10], 9);
    CHECK_EQ(p[11], 2);
    CHECK_EQ(tf_get_u32(p + 16), 8);
    CHECK_EQ(tf_get_u32(p + 20), 0x3F000000u); /* 0.5f */
    CHECK_EQ((int32_t)tf_get_u32(p + 24), -3);
    CHECK_EQ(tf_get_u32(p + 28), 8);
    CHECK_EQ(got[0].len, 10 + 2 * 22);
    request(TF_LOAD_END, 27, NULL, 0); /* retried: same answer */
    CHECK_EQ(got[0].type, 0x84);

    request(TF_HELLO, 28, "\0\0\0\0", 4);
    CHECK(memcmp(got[0].payload + 54, sha, 32) == 0);
    CHECK_EQ(tf_get_u32(got[0].payload + 86), sizeof model);

    uint8_t in[12] = {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    request(TF_INPUT, 29, in, 12);
    CHECK_EQ(got[0].type, 0x86);
    tf_put_u32(in, 6);
    request(TF_INPUT, 30, in, 8);
    CHECK(is_error(0, TF_E_BAD_ARG));
    tf_put_u32(in, 0xFFFFFFFFu);
    request(TF_INPUT, 31, in, 5);
    CHECK(is_error(0, TF_E_BAD_ARG));

    request(TF_INFER, 32, "\x01", 1);
    CHECK_EQ(n_got, 2);
    CHECK_EQ(got[0].type, 0x88);
    CHECK_EQ(got[0].seq, 32);
    CHECK_EQ(tf_get_u32(got[0].payload), 0);
    CHECK(memcmp(got[0].payload + 4, "\x02\x03\x04\x05\x06\x07\x08\x09", 8) == 0);
    CHECK_EQ(got[1].type, 0x87);
    p = got[1].payload;
    CHECK_EQ(tf_get_u16(p), 0);
    CHECK(tf_get_u32(p + 2) > 0);
    CHECK_EQ(tf_get_u32(p + 10), 8);
    CHECK_EQ(tf_get_u16(p + 14), 2);
    CHECK_EQ(p[16], 9);
    CHECK_EQ(tf_get_u16(p + 18), 0);
    CHECK_EQ(tf_get_u32(p + 20), 100);
    CHECK_EQ(tf_get_u16(p + 26), 1);
    CHECK_EQ(got[1].len, 16 + 16);
    request(TF_INFER, 33, "\x00", 1);
    CHECK_EQ(tf_get_u16(got[1].payload + 14), 0);
    CHECK_EQ(stat(0), 16);

    /* State: carried from one INFER to the next unless flag bit 1 resets
     * it first (the fake's probe input 0xC5 reports its step count). */
    request(TF_INPUT, 36, "\x00\x00\x00\x00\xC5", 5);
    request(TF_INFER, 37, "\x02", 1);
    CHECK_EQ(got[0].payload[5], 0);
    request(TF_INFER, 38, "\x00", 1);
    CHECK_EQ(got[0].payload[5], 1);
    request(TF_INFER, 39, "\x00", 1);
    CHECK_EQ(got[0].payload[5], 2);
    request(TF_INFER, 40, "\x02", 1); /* retried with the reset: the same answer */
    CHECK_EQ(got[0].payload[5], 0);
    request(TF_INFER, 41, "\x02", 1);
    CHECK_EQ(got[0].payload[5], 0);

    /* An engine failure reaches the host with the engine's words. */
    request(TF_INPUT, 34, "\x00\x00\x00\x00\xEE", 5);
    request(TF_INFER, 35, "\x00", 1);
    CHECK(is_error(0, TF_E_INFER_FAILED));
    CHECK(strcmp(error_msg(0), "fake: op 1 failed") == 0);
}

static void slot_verify(void)
{
    uint8_t *slot = fake_port_slot();
    uint8_t p[36], sha[32];
    memcpy(slot, "FAKE\x10", 5);
    sha256(slot, 64, sha);
    tf_put_u32(p, 64);
    memcpy(p + 4, sha, 32);
    request(TF_SLOT_VERIFY, 40, p, 36);
    CHECK_EQ(got[0].type, 0x85);
    CHECK_EQ(tf_get_u32(got[0].payload), 32);
    tf_put_u32(p, 65);
    request(TF_SLOT_VERIFY, 41, p, 36);
    CHECK(is_error(0, TF_E_SHA_MISMATCH));
    tf_put_u32(p, 1u << 20);
    request(TF_SLOT_VERIFY, 42, p, 36);
    CHECK(is_error(0, TF_E_SLOT_TOO_SMALL));

    /* Arena too small: the engine's message, verbatim. */
    slot[4] = 0;
    sha256(slot, 64, sha);
    tf_put_u32(p, 64);
    memcpy(p + 4, sha, 32);
    request(TF_SLOT_VERIFY, 43, p, 36);
    CHECK(is_error(0, TF_E_ARENA_TOO_SMALL));
    CHECK(strstr(error_msg(0), "1024") != NULL);
    request(TF_INFER, 44, "\x00", 1);
    CHECK(is_error(0, TF_E_NO_MODEL));
    memset(slot, 0x11, 64);
    sha256(slot, 64, sha);
    memcpy(p + 4, sha, 32);
    request(TF_SLOT_VERIFY, 45, p, 36);
    CHECK(is_error(0, TF_E_MODEL_INVALID));

    /* A port whose slot is flash the agent cannot program. */
    fake_port_set_writable(0);
    request(TF_HELLO, 46, "\0\0\0\0", 4);
    CHECK_EQ(tf_get_u32(got[0].payload + 6) & TF_CAP_LOAD_MODEL, 0);
    begin(47, 64, sha);
    CHECK(is_error(0, TF_E_UNSUPPORTED));
    fake_port_set_writable(1);
}

static void reset(void)
{
    request(TF_RESET, 50, NULL, 0);
    CHECK_EQ(n_got, 1);
    CHECK_EQ(got[0].type, 0x8A);
    CHECK_EQ(got[0].len, 0);
    CHECK_EQ(fake_port_reset_count(), 1);
}

void test_agent(void)
{
    fake_port_reset_state();
    agent_init();
    announce();
    hello_echo_stats();
    bad_frames_and_errors();
    load_and_infer();
    slot_verify();
    reset();
}
