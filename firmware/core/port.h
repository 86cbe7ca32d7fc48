/* The port layer: the few functions a board provides to the agent core.
 * See docs/porting.md for what each must guarantee. */
#ifndef TF_PORT_H
#define TF_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Bring up clocks, the UART (8N1, receive interrupt into port-side buffer or
 * polled), the cycle counter. Called once before anything else. */
void port_init(void);

/* Non-blocking read: copy up to max received bytes into buf, return count.
 * Returning 0 means nothing is pending. */
size_t port_uart_read(uint8_t *buf, size_t max);

/* Blocking write of all len bytes. */
void port_uart_write(const uint8_t *buf, size_t len);

/* Added: bytes the port dropped because its receive buffer was full (STATS
 * rx_overflows). */
uint32_t port_rx_overflows(void);

/* Wait until more input may have arrived (WFI on a board; a blocking poll on
 * the host build). May return early. */
void port_idle(void);

/* Monotonic 64-bit counter and its rate in Hz (DWT CYCCNT where it runs,
 * else a hardware timer). */
uint64_t port_cycles(void);
uint32_t port_counter_hz(void);
/* Added: called right before a timed region. A port whose counter ticks
 * slower than instructions retire (SysTick under QEMU -icount: 40
 * instructions a tick on mps2) restarts the counter's tick phase here, so an
 * emulated count does not depend on when the request arrived. The count
 * stays monotonic; may do nothing. */
void port_cycles_align(void);

/* Reset the board; never returns. */
void port_reset(void);

/* The model slot: where a flashed (or emulator-loaded) model lives. */
const uint8_t *port_model_slot(void);
uint32_t port_model_slot_addr(void);
uint32_t port_model_slot_size(void);
/* Write into the slot at offset (RAM: memcpy; flash: program). Returns 0 on
 * success. */
int port_model_slot_write(uint32_t offset, const uint8_t *data, size_t len);
/* Added: non-zero when port_model_slot_write works (HELLO capability
 * LOAD_MODEL); a flash slot the port cannot program answers 0. */
int port_model_slot_writable(void);

/* The engine's arena (the RAM the linker leaves over, on a board). */
uint8_t *port_arena(void);
uint32_t port_arena_size(void);

/* Stack use: deepest use seen so far and the stack's size, in bytes
 * (0 when the port does not measure it). */
uint32_t port_stack_hwm(void);
uint32_t port_stack_size(void);

/* Identity built into the firmware. */
const char *port_board_name(void);
const char *port_name(void);
uint32_t port_clock_hz(void);
/* GNU build-id of the running image, 20 bytes (NULL on the host build). */
const uint8_t *port_build_id(void);

#endif
