/* Receive path and dispatch. */
#include "agent.h"

#include <string.h>

#include "agent_internal.h"
#include "port.h"

tf_agent g_agent;

typedef struct {
    uint8_t type;
    uint16_t min_len; /* shorter payloads are malformed */
    tf_handler fn;
} route;

static const route routes[] = {
    {TF_HELLO, 4, h_hello},
    {TF_LOAD_BEGIN, 36, h_load_begin},
    {TF_LOAD_CHUNK, 4, h_load_chunk},
    {TF_LOAD_END, 0, h_load_end},
    {TF_SLOT_VERIFY, 36, h_slot_verify},
    {TF_INPUT, 4, h_input},
    {TF_INFER, 1, h_infer},
    {TF_STATS, 0, h_stats},
    {TF_RESET, 0, h_reset},
    {TF_ECHO, 0, h_echo},
};

void agent_init(void)
{
    engine_unload();
    memset(&g_agent, 0, sizeof g_agent);
    cobs_decoder_init(&g_agent.dec, g_agent.rx, sizeof g_agent.rx);
}

static void dispatch(tf_agent *a, const tf_frame *f)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (routes[i].type != f->type)
            continue;
        if (f->len < routes[i].min_len) {
            agent_errorf(a, f->seq, TF_E_BAD_REQUEST,
                         "type 0x%x: payload %u bytes, needs %u", f->type,
                         f->len, routes[i].min_len);
            return;
        }
        routes[i].fn(a, f);
        return;
    }
    agent_errorf(a, f->seq, TF_E_BAD_REQUEST, "unknown type 0x%x", f->type);
}

/* A damaged frame cannot be answered under its own seq (the seq may be the
 * damaged part), so the agent sends a NAK with seq 0: the host retries at
 * once instead of waiting for its timeout. */
static void on_bad_frame(tf_agent *a)
{
    a->bad_frames++;
    agent_send_error(a, 0, TF_E_BAD_FRAME, "bad frame");
}

static void on_frame(tf_agent *a, size_t n)
{
    tf_frame f;
    if (frame_parse(a->rx, n, &f) != 0) {
        on_bad_frame(a);
        return;
    }
    a->frames_ok++;
    dispatch(a, &f);
}

int agent_poll(void)
{
    uint8_t chunk[64];
    size_t n = port_uart_read(chunk, sizeof chunk);
    for (size_t i = 0; i < n; i++) {
        int r = cobs_decode_byte(&g_agent.dec, chunk[i]);
        if (r == COBS_FRAME)
            on_frame(&g_agent, g_agent.dec.len);
        else if (r == COBS_BAD)
            on_bad_frame(&g_agent);
    }
    return n != 0;
}

void agent_announce(void)
{
    static const char hello[] = "tinyfarm agent up: board ";
    tf_tx *t = &g_agent.tx;
    tx_begin(t, TF_LOG, 0);
    tx_bytes(t, hello, sizeof hello - 1);
    tx_bytes(t, port_board_name(), strlen(port_board_name()));
    tx_bytes(t, ", port ", 7);
    tx_bytes(t, port_name(), strlen(port_name()));
    tx_send(t, port_uart_write);
}

void agent_run(void)
{
    for (;;) {
        if (!agent_poll())
            port_idle();
    }
}
