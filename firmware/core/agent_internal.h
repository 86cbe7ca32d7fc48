/* State and helpers shared by the agent's request handlers. */
#ifndef TF_AGENT_INTERNAL_H
#define TF_AGENT_INTERNAL_H

#include <stdint.h>

#include "../engine/engine.h"
#include "agent_config.h"
#include "cobs.h"
#include "frame.h"
#include "sha256.h"

/* Profile entries that fit one INFER result frame. */
#define TF_MAX_PROFILE ((TF_MAX_PAYLOAD - 16) / 8)

typedef struct {
    cobs_decoder dec;
    uint8_t rx[TF_MAX_FRAME];
    tf_tx tx;

    uint32_t bad_frames;
    uint32_t frames_ok;

    /* The model the engine holds (valid while engine_loaded()). */
    uint8_t model_sha[SHA256_DIGEST_LEN];
    uint32_t model_len;

    /* LOAD_BEGIN .. LOAD_END in progress. */
    uint8_t loading;
    uint32_t load_len;
    uint8_t load_sha[SHA256_DIGEST_LEN];

    engine_error err;
    engine_op_profile profile[TF_MAX_PROFILE];
} tf_agent;

extern tf_agent g_agent;

typedef void (*tf_handler)(tf_agent *a, const tf_frame *f);

void agent_send_error(tf_agent *a, uint16_t seq, uint16_t code,
                      const char *msg);
/* Error with a formatted message: %s %u %x. */
void agent_errorf(tf_agent *a, uint16_t seq, uint16_t code, const char *fmt,
                  ...);
void agent_send_empty(tf_agent *a, const tf_frame *f);
/* ERROR frame for a failed engine call: its status and message. */
void agent_send_engine_error(tf_agent *a, uint16_t seq, int status);

/* Handlers, one per request type. */
void h_hello(tf_agent *a, const tf_frame *f);
void h_stats(tf_agent *a, const tf_frame *f);
void h_echo(tf_agent *a, const tf_frame *f);
void h_reset(tf_agent *a, const tf_frame *f);
void h_load_begin(tf_agent *a, const tf_frame *f);
void h_load_chunk(tf_agent *a, const tf_frame *f);
void h_load_end(tf_agent *a, const tf_frame *f);
void h_slot_verify(tf_agent *a, const tf_frame *f);
void h_input(tf_agent *a, const tf_frame *f);
void h_infer(tf_agent *a, const tf_frame *f);

#endif
