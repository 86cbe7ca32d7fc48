/* INPUT and INFER.
 *
 * A model may have several inputs and outputs. On the wire they are one
 * byte string each way: the INPUT offsets and the inline INFER input address
 * the concatenation of all model inputs in order, and the OUTPUT frames carry
 * the concatenation of all outputs in order (the host splits them using the
 * model's tensor specs). With one input and one output this is exactly the
 * tensor's bytes. */
#include <string.h>

#include "agent_internal.h"
#include "bytes.h"
#include "port.h"

static uint32_t total_bytes(int outputs)
{
    uint32_t n = 0;
    uint8_t count = outputs ? engine_output_count() : engine_input_count();
    for (uint8_t i = 0; i < count; i++)
        n += outputs ? engine_output_info_at(i)->bytes : engine_input_info_at(i)->bytes;
    return n;
}

/* Copy n bytes to offset off of the concatenated inputs (range checked by
 * the caller). */
static void write_inputs(uint32_t off, const uint8_t *src, uint32_t n)
{
    for (uint8_t i = 0; i < engine_input_count() && n; i++) {
        uint32_t size = engine_input_info_at(i)->bytes;
        if (off >= size) {
            off -= size;
            continue;
        }
        uint32_t k = size - off < n ? size - off : n;
        memcpy(engine_input_buffer_at(i) + off, src, k);
        src += k;
        n -= k;
        off = 0;
    }
}

/* Append bytes [off, off + n) of the concatenated outputs to the frame. */
static void tx_outputs(tf_tx *t, uint32_t off, uint32_t n)
{
    for (uint8_t i = 0; i < engine_output_count() && n; i++) {
        uint32_t size = engine_output_info_at(i)->bytes;
        if (off >= size) {
            off -= size;
            continue;
        }
        uint32_t k = size - off < n ? size - off : n;
        tx_bytes(t, engine_output_buffer_at(i) + off, k);
        n -= k;
        off = 0;
    }
}

void h_input(tf_agent *a, const tf_frame *f)
{
    uint32_t off = tf_get_u32(f->payload);
    uint32_t n = f->len - 4u;
    if (!engine_loaded()) {
        agent_send_error(a, f->seq, TF_E_NO_MODEL, "INPUT without a model");
        return;
    }
    uint32_t size = total_bytes(0);
    if (off > size || n > size - off) {
        agent_errorf(a, f->seq, TF_E_BAD_ARG,
                     "input [%u, +%u) outside tensor of %u bytes", off, n,
                     size);
        return;
    }
    if (n)
        write_inputs(off, f->payload + 4, n);
    tx_begin(&a->tx, TF_RESPONSE(TF_INPUT), f->seq);
    tx_u32(&a->tx, off);
    tx_send(&a->tx, port_uart_write);
}

static void send_output(tf_agent *a, uint16_t seq)
{
    uint32_t size = total_bytes(1);
    const uint32_t step = TF_MAX_PAYLOAD - 4;
    for (uint32_t off = 0; off < size; off += step) {
        uint32_t n = size - off < step ? size - off : step;
        tx_begin(&a->tx, TF_RESPONSE(TF_OUTPUT), seq);
        tx_u32(&a->tx, off);
        tx_outputs(&a->tx, off, n);
        tx_send(&a->tx, port_uart_write);
    }
}

static void send_result(tf_agent *a, uint16_t seq, uint64_t ticks,
                        uint16_t n_profile)
{
    tf_tx *t = &a->tx;
    tx_begin(t, TF_RESPONSE(TF_INFER), seq);
    tx_u16(t, 0);
    tx_u64(t, ticks);
    tx_u32(t, total_bytes(1));
    tx_u16(t, n_profile);
    for (uint16_t i = 0; i < n_profile; i++) {
        const engine_op_profile *p = &a->profile[i];
        tx_u8(t, p->builtin_op);
        tx_u8(t, 0);
        tx_u16(t, p->op_index);
        tx_u32(t, p->ticks);
    }
    tx_send(t, port_uart_write);
}

void h_infer(tf_agent *a, const tf_frame *f)
{
    int profile = f->payload[0] & TF_INFER_FLAG_PROFILE;
    uint16_t n_profile = 0;
    if (!engine_loaded()) {
        agent_send_error(a, f->seq, TF_E_NO_MODEL, "INFER without a model");
        return;
    }
    /* Inputs that fit one frame ride along after the flags byte, which
     * saves the INPUT frame and its acknowledgement. */
    uint32_t inline_len = f->len - 1u;
    if (inline_len) {
        if (inline_len > total_bytes(0)) {
            agent_errorf(a, f->seq, TF_E_BAD_ARG,
                         "inline input of %u bytes exceeds tensor of %u bytes",
                         inline_len, total_bytes(0));
            return;
        }
        write_inputs(0, f->payload + 1, inline_len);
    }
    memset(&a->err, 0, sizeof a->err);
    if (f->payload[0] & TF_INFER_FLAG_RESET_STATE)
        engine_reset_state(); /* outside the timed region */

    /* Timed region: no UART output until it ends. */
    port_cycles_align();
    uint64_t t0 = port_cycles();
    int st = engine_invoke(port_cycles, profile ? a->profile : NULL,
                           profile ? TF_MAX_PROFILE : 0, &n_profile, &a->err);
    uint64_t t1 = port_cycles();

    if (st != ENGINE_OK) {
        agent_send_engine_error(a, f->seq, st);
        return;
    }
    if (n_profile > TF_MAX_PROFILE)
        n_profile = TF_MAX_PROFILE;
    send_output(a, f->seq);
    send_result(a, f->seq, t1 - t0, profile ? n_profile : 0);
}
