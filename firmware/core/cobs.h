/* Consistent Overhead Byte Stuffing: frames without 0x00, delimited by 0x00. */
#ifndef TF_COBS_H
#define TF_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Receives encoded output piece by piece. */
typedef void (*cobs_sink)(void *ctx, const uint8_t *data, size_t len);

/* Encode n bytes (without the trailing delimiter) into sink, block by block,
 * without a second buffer. */
void cobs_encode_to(const uint8_t *in, size_t n, cobs_sink sink, void *ctx);

/* Encode into out (capacity >= n + n/254 + 1); returns the encoded length. */
size_t cobs_encode(const uint8_t *in, size_t n, uint8_t *out);

/* Streaming decoder: feed bytes as they arrive. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    uint8_t code;     /* code byte of the current block */
    uint8_t remain;   /* data bytes left in the current block */
    uint8_t started;  /* a code byte has been seen in this frame */
    uint8_t broken;   /* overflow: skip to the next delimiter */
} cobs_decoder;

enum cobs_result {
    COBS_MORE = 0,  /* keep feeding */
    COBS_FRAME = 1, /* d->buf[0..d->len) is a complete frame */
    COBS_BAD = -1,  /* a delimiter ended a malformed or oversized frame */
};

void cobs_decoder_init(cobs_decoder *d, uint8_t *buf, size_t cap);
/* After COBS_FRAME the frame stays in buf until the next feed. */
int cobs_decode_byte(cobs_decoder *d, uint8_t b);

/* One-shot decode of a delimiter-free encoded buffer; returns the decoded
 * length or -1. */
long cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

#endif
