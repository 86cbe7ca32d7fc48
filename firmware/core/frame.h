/* Frame layout (docs/protocol.md, Framing): parse a decoded frame, build one
 * and send it COBS-encoded. */
#ifndef TF_FRAME_H
#define TF_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "agent_config.h"

typedef struct {
    uint8_t type;
    uint8_t flags;
    uint16_t seq;
    uint16_t len;
    const uint8_t *payload;
} tf_frame;

/* Check length field and CRC of a decoded frame; 0 on success, -1 if the
 * frame must be dropped. */
int frame_parse(const uint8_t *buf, size_t n, tf_frame *f);

/* Where encoded bytes go (port_uart_write on a board). */
typedef void (*frame_write_fn)(const uint8_t *data, size_t len);

typedef struct {
    uint8_t buf[TF_MAX_FRAME];
    size_t len;         /* header + payload so far */
    uint8_t overflow;   /* a put did not fit; never sent truncated silently */
} tf_tx;

void tx_begin(tf_tx *t, uint8_t type, uint16_t seq);
size_t tx_room(const tf_tx *t);
void tx_bytes(tf_tx *t, const void *data, size_t len);
void tx_u8(tf_tx *t, uint8_t v);
void tx_u16(tf_tx *t, uint16_t v);
void tx_u32(tf_tx *t, uint32_t v);
void tx_u64(tf_tx *t, uint64_t v);
void tx_str(tf_tx *t, const char *s); /* u8 length + bytes, cut at 255 */
/* Fill in len and CRC, send encoded frame and its 0x00 delimiter. */
void tx_send(tf_tx *t, frame_write_fn write);

#endif
