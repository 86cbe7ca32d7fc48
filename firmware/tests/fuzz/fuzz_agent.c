/* libFuzzer target: the agent's receive path, dispatcher and engine, fed
 * arbitrary bytes through the in-memory port.
 *
 * Input byte 0 picks the mode. Odd: the rest goes to the UART as raw bytes
 * (COBS decoder, frame checks, resynchronisation). Even: the rest is a list
 * of records {u8 type, u16 len, len bytes} that this harness wraps into
 * valid frames (CRC and COBS), so mutations reach the dispatcher and, through
 * LOAD_BEGIN/CHUNK/END, the model loader and kernels. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent.h"
#include "cobs.h"
#include "crc32.h"
#include "../core/fake_port.h"

#define RX_BUDGET 60000u

static uint8_t stream[RX_BUDGET];
static size_t stream_len;

static void append_frame(uint8_t type, uint16_t seq, const uint8_t *payload, uint16_t len)
{
    static uint8_t body[6 + 65535 + 4];
    static uint8_t wire[sizeof body + sizeof body / 254 + 2];
    body[0] = type;
    body[1] = 0;
    body[2] = (uint8_t)seq;
    body[3] = (uint8_t)(seq >> 8);
    body[4] = (uint8_t)len;
    body[5] = (uint8_t)(len >> 8);
    memcpy(body + 6, payload, len);
    uint32_t crc = crc32(body, 6u + len);
    for (int i = 0; i < 4; i++)
        body[6 + len + i] = (uint8_t)(crc >> (8 * i));
    size_t n = cobs_encode(body, 10u + len, wire);
    if (stream_len + n + 1 > RX_BUDGET)
        return;
    memcpy(stream + stream_len, wire, n);
    stream[stream_len + n] = 0;
    stream_len += n + 1;
}

static void build_structured(const uint8_t *data, size_t size)
{
    uint16_t seq = 1;
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t type = data[i];
        size_t len = (size_t)data[i + 1] | ((size_t)data[i + 2] << 8);
        i += 3;
        if (len > size - i)
            len = size - i;
        append_frame(type, seq++, data + i, (uint16_t)len);
        i += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fake_port_reset_state();
    agent_init();
    stream_len = 0;
    if (data[0] & 1) {
        stream_len = size - 1 < RX_BUDGET ? size - 1 : RX_BUDGET;
        memcpy(stream, data + 1, stream_len);
    } else {
        build_structured(data + 1, size - 1);
    }
    /* Feed in UART-sized pieces; drop what the agent answered each time. */
    for (size_t off = 0; off < stream_len; off += 256) {
        size_t n = stream_len - off < 256 ? stream_len - off : 256;
        fake_port_rx(stream + off, n);
        while (agent_poll())
            fake_port_tx_clear();
        fake_port_tx_clear();
    }
    return 0;
}
