/* Build-time limits of the agent. Override with -D on the compiler line. */
#ifndef TF_AGENT_CONFIG_H
#define TF_AGENT_CONFIG_H

#include "protocol.h"

/* Largest payload accepted and sent (HELLO max_payload). */
#ifndef TF_MAX_PAYLOAD
#define TF_MAX_PAYLOAD 2048
#endif

/* Maximum-size frames the port buffers while the agent is busy (HELLO
 * rx_window). The port's receive buffer must hold this many encoded frames. */
#ifndef TF_RX_WINDOW
#define TF_RX_WINDOW 4
#endif

/* A decoded frame: header + payload + CRC. */
#define TF_MAX_FRAME (TF_FRAME_HDR + TF_MAX_PAYLOAD + TF_FRAME_CRC)

/* On the wire: COBS adds one byte per 254 and one code byte, plus the 0x00
 * delimiter. */
#define TF_MAX_WIRE_FRAME (TF_MAX_FRAME + TF_MAX_FRAME / 254 + 2)

/* Receive buffer a port needs for TF_RX_WINDOW frames in flight. */
#define TF_RX_BUFFER_BYTES (TF_RX_WINDOW * TF_MAX_WIRE_FRAME)

#if TF_MAX_PAYLOAD > 65535 || TF_MAX_PAYLOAD < 256
#error "TF_MAX_PAYLOAD must be in [256, 65535]"
#endif

#endif
