/* HELLO, STATS, ECHO, RESET. */
#include <string.h>

#include "agent_internal.h"
#include "port.h"

static uint32_t capabilities(void)
{
    uint32_t caps = TF_CAP_PROFILE | TF_CAP_RESET | TF_CAP_STATE;
    if (port_model_slot_size())
        caps |= TF_CAP_SLOT_VERIFY;
    if (port_model_slot_size() && port_model_slot_writable())
        caps |= TF_CAP_LOAD_MODEL;
    if (port_stack_size())
        caps |= TF_CAP_STACK_HWM;
    return caps;
}

void h_hello(tf_agent *a, const tf_frame *f)
{
    static const uint8_t zeros[SHA256_DIGEST_LEN];
    const uint8_t *build_id = port_build_id();
    int loaded = engine_loaded();
    tf_tx *t = &a->tx;

    tx_begin(t, TF_RESPONSE(TF_HELLO), f->seq);
    tx_u16(t, TF_PROTO_VERSION);
    tx_u16(t, TF_MAX_PAYLOAD);
    tx_u8(t, TF_RX_WINDOW);
    tx_u8(t, 0);
    tx_u32(t, capabilities());
    tx_bytes(t, f->payload, 4); /* run_id echoed as sent */
    tx_u32(t, port_clock_hz());
    tx_u32(t, port_counter_hz());
    tx_u32(t, port_model_slot_addr());
    tx_u32(t, port_model_slot_size());
    tx_u32(t, port_arena_size());
    tx_bytes(t, build_id ? build_id : zeros, 20);
    tx_bytes(t, loaded ? a->model_sha : zeros, SHA256_DIGEST_LEN);
    tx_u32(t, loaded ? a->model_len : 0);
    tx_str(t, port_board_name());
    tx_str(t, port_name());
    tx_send(t, port_uart_write);
}

void h_stats(tf_agent *a, const tf_frame *f)
{
    tf_tx *t = &a->tx;
    tx_begin(t, TF_RESPONSE(TF_STATS), f->seq);
    tx_u32(t, engine_loaded() ? (uint32_t)engine_arena_used() : 0);
    tx_u32(t, port_arena_size());
    tx_u32(t, port_stack_hwm());
    tx_u32(t, port_stack_size());
    tx_u32(t, 0); /* heap_used: the agent and engine never allocate */
    tx_u32(t, port_rx_overflows());
    tx_u32(t, a->bad_frames);
    tx_u32(t, a->frames_ok);
    tx_send(t, port_uart_write);
}

void h_echo(tf_agent *a, const tf_frame *f)
{
    tx_begin(&a->tx, TF_RESPONSE(TF_ECHO), f->seq);
    tx_bytes(&a->tx, f->payload, f->len);
    tx_send(&a->tx, port_uart_write);
}

/* The answer goes out first; port_reset() waits for the UART to drain. */
void h_reset(tf_agent *a, const tf_frame *f)
{
    agent_send_empty(a, f);
    port_reset();
}
