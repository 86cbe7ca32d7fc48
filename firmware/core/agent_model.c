/* Getting a model into the slot and the engine: LOAD_BEGIN, LOAD_CHUNK,
 * LOAD_END (host streams it) and SLOT_VERIFY (already flashed). */
#include <string.h>

#include "agent_internal.h"
#include "bytes.h"
#include "port.h"

static void tx_tensor(tf_tx *t, const engine_tensor_info *ti)
{
    uint8_t nd = ti->ndims > ENGINE_MAX_DIMS ? ENGINE_MAX_DIMS : ti->ndims;
    uint32_t scale_bits;
    memcpy(&scale_bits, &ti->scale, 4); /* IEEE-754 single, sent as is */
    tx_u8(t, ti->type);
    tx_u8(t, nd);
    for (uint8_t i = 0; i < nd; i++)
        tx_u32(t, (uint32_t)ti->dims[i]);
    tx_u32(t, scale_bits);
    tx_u32(t, (uint32_t)ti->zero_point);
    tx_u32(t, ti->bytes);
}

static void send_model_info(tf_agent *a, const tf_frame *f)
{
    tf_tx *t = &a->tx;
    tx_begin(t, TF_RESPONSE(f->type), f->seq);
    tx_u32(t, (uint32_t)engine_arena_used());
    tx_u32(t, port_arena_size());
    tx_u16(t, engine_op_count());
    tx_tensor(t, engine_input_info());
    tx_tensor(t, engine_output_info());
    tx_send(t, port_uart_write);
}

static int slot_holds(uint32_t len, const uint8_t *want)
{
    uint8_t got[SHA256_DIGEST_LEN];
    sha256(port_model_slot(), len, got);
    return memcmp(got, want, SHA256_DIGEST_LEN) == 0;
}

static int check_len(tf_agent *a, const tf_frame *f, uint32_t len)
{
    if (len == 0) {
        agent_send_error(a, f->seq, TF_E_BAD_ARG, "model length 0");
        return -1;
    }
    if (len > port_model_slot_size()) {
        agent_errorf(a, f->seq, TF_E_SLOT_TOO_SMALL,
                     "model %u bytes, slot %u bytes", len,
                     port_model_slot_size());
        return -1;
    }
    return 0;
}

/* Hand the slot's first len bytes to the engine; answer MODEL_INFO. */
static void load_engine(tf_agent *a, const tf_frame *f, uint32_t len,
                        const uint8_t *sha)
{
    engine_unload();
    memset(&a->err, 0, sizeof a->err);
    int st = engine_load(port_model_slot(), len, port_arena(),
                         port_arena_size(), &a->err);
    if (st != ENGINE_OK) {
        engine_unload();
        agent_send_engine_error(a, f->seq, st);
        return;
    }
    memcpy(a->model_sha, sha, SHA256_DIGEST_LEN);
    a->model_len = len;
    send_model_info(a, f);
}

void h_load_begin(tf_agent *a, const tf_frame *f)
{
    uint32_t len = tf_get_u32(f->payload);
    if (!port_model_slot_writable() || port_model_slot_size() == 0) {
        agent_send_error(a, f->seq, TF_E_UNSUPPORTED,
                         "LOAD_MODEL not supported: slot is not writable "
                         "here; flash the model and use SLOT_VERIFY");
        return;
    }
    if (check_len(a, f, len) != 0)
        return;
    /* The slot is about to change under the engine. */
    engine_unload();
    a->loading = 1;
    a->load_len = len;
    memcpy(a->load_sha, f->payload + 4, SHA256_DIGEST_LEN);
    agent_send_empty(a, f);
}

void h_load_chunk(tf_agent *a, const tf_frame *f)
{
    uint32_t off = tf_get_u32(f->payload);
    uint32_t n = f->len - 4u;
    if (!a->loading) {
        agent_send_error(a, f->seq, TF_E_BAD_REQUEST,
                         "LOAD_CHUNK without LOAD_BEGIN");
        return;
    }
    if (off > a->load_len || n > a->load_len - off) {
        agent_errorf(a, f->seq, TF_E_BAD_ARG,
                     "chunk [%u, +%u) outside model of %u bytes", off, n,
                     a->load_len);
        return;
    }
    if (port_model_slot_write(off, f->payload + 4, n) != 0) {
        agent_errorf(a, f->seq, TF_E_BAD_ARG, "slot write at %u failed", off);
        return;
    }
    tx_begin(&a->tx, TF_RESPONSE(TF_LOAD_CHUNK), f->seq);
    tx_u32(&a->tx, off);
    tx_send(&a->tx, port_uart_write);
}

void h_load_end(tf_agent *a, const tf_frame *f)
{
    if (!a->loading) {
        /* A retried LOAD_END whose answer was lost: answer again. */
        if (engine_loaded())
            send_model_info(a, f);
        else
            agent_send_error(a, f->seq, TF_E_BAD_REQUEST,
                             "LOAD_END without LOAD_BEGIN");
        return;
    }
    /* The slot contents are the truth: chunks may have come in any order
     * and any number of times. On mismatch the load stays open. */
    if (!slot_holds(a->load_len, a->load_sha)) {
        agent_errorf(a, f->seq, TF_E_SHA_MISMATCH,
                     "slot [0, %u) does not match the announced sha256",
                     a->load_len);
        return;
    }
    a->loading = 0;
    load_engine(a, f, a->load_len, a->load_sha);
}

void h_slot_verify(tf_agent *a, const tf_frame *f)
{
    uint32_t len = tf_get_u32(f->payload);
    const uint8_t *sha = f->payload + 4;
    if (check_len(a, f, len) != 0)
        return;
    if (!slot_holds(len, sha)) {
        agent_errorf(a, f->seq, TF_E_SHA_MISMATCH,
                     "slot at 0x%x [0, %u) does not hold the announced model",
                     port_model_slot_addr(), len);
        return;
    }
    a->loading = 0;
    load_engine(a, f, len, sha);
}
