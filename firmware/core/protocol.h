/* Wire protocol v1 constants (docs/protocol.md). */
#ifndef TF_PROTOCOL_H
#define TF_PROTOCOL_H

#define TF_PROTO_VERSION 1

#define TF_FRAME_HDR 6 /* type, flags, seq, len */
#define TF_FRAME_CRC 4

enum tf_msg_type {
    TF_HELLO = 0x01,
    TF_LOAD_BEGIN = 0x02,
    TF_LOAD_CHUNK = 0x03,
    TF_LOAD_END = 0x04,
    TF_SLOT_VERIFY = 0x05,
    TF_INPUT = 0x06,
    TF_INFER = 0x07,
    TF_OUTPUT = 0x08, /* device only, as 0x88 */
    TF_STATS = 0x09,
    TF_RESET = 0x0A,
    TF_ECHO = 0x0B,
    TF_LOG = 0xFE,
    TF_ERROR = 0xFF,
};

#define TF_RESPONSE(t) ((uint8_t)((t) | 0x80))

enum tf_error_code {
    TF_E_BAD_REQUEST = 1,
    TF_E_BAD_ARG = 2,
    TF_E_NO_MODEL = 3,
    TF_E_MODEL_INVALID = 4,
    TF_E_UNSUPPORTED = 5,
    TF_E_ARENA_TOO_SMALL = 6,
    TF_E_SHA_MISMATCH = 7,
    TF_E_SLOT_TOO_SMALL = 8,
    TF_E_INFER_FAILED = 9,
    TF_E_BAD_FRAME = 10,
};

enum tf_capability {
    TF_CAP_LOAD_MODEL = 1u << 0,
    TF_CAP_SLOT_VERIFY = 1u << 1,
    TF_CAP_PROFILE = 1u << 2,
    TF_CAP_RESET = 1u << 3,
    TF_CAP_STACK_HWM = 1u << 4,
    TF_CAP_STATE = 1u << 5, /* INFER honours TF_INFER_FLAG_RESET_STATE */
};

#define TF_INFER_FLAG_PROFILE 0x01
/* Reset the model's variable (state) tensors before this inference, so it
 * depends on its input only (and a retried INFER recomputes the same
 * output). Without it a stateful model carries its state over from the
 * previous INFER. No effect on stateless models. */
#define TF_INFER_FLAG_RESET_STATE 0x02

#endif
