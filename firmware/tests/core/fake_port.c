/* Test double of port.h: queues in memory, a RAM slot, a fixed counter. */
#include "fake_port.h"

#include <string.h>

#include "../../core/port.h"

/* Small by default (unit tests hit the limits on purpose); the fuzz build
 * raises them so real models load. */
#ifndef SLOT_SIZE
#define SLOT_SIZE 4096
#endif
#ifndef ARENA_SIZE
#define ARENA_SIZE 1024
#endif

static uint8_t rx[1 << 16];
static size_t rx_len, rx_pos;
static uint8_t tx[1 << 17];
static size_t tx_len;
static uint8_t slot[SLOT_SIZE];
static uint8_t arena[ARENA_SIZE];
static int resets;
static int writable = 1;
static uint64_t ticks;

void fake_port_reset_state(void)
{
    rx_len = rx_pos = tx_len = 0;
    resets = 0;
    writable = 1;
    memset(slot, 0xFF, sizeof slot);
}

void fake_port_rx(const uint8_t *data, size_t len)
{
    memcpy(rx + rx_len, data, len);
    rx_len += len;
}

const uint8_t *fake_port_tx(size_t *len)
{
    *len = tx_len;
    return tx;
}

void fake_port_tx_clear(void)
{
    tx_len = 0;
}

int fake_port_reset_count(void)
{
    return resets;
}

uint8_t *fake_port_slot(void)
{
    return slot;
}

void fake_port_set_writable(int w)
{
    writable = w;
}

void port_init(void) {}

size_t port_uart_read(uint8_t *buf, size_t max)
{
    size_t n = rx_len - rx_pos < max ? rx_len - rx_pos : max;
    memcpy(buf, rx + rx_pos, n);
    rx_pos += n;
    return n;
}

void port_uart_write(const uint8_t *buf, size_t len)
{
    memcpy(tx + tx_len, buf, len);
    tx_len += len;
}

uint32_t port_rx_overflows(void) { return 7; }
void port_idle(void) {}
/* Advances 100 ticks a read, so INFER reports a known duration. */
uint64_t port_cycles(void) { return ticks += 100; }
uint32_t port_counter_hz(void) { return 1000000; }
void port_cycles_align(void) {}
void port_reset(void) { resets++; }
const uint8_t *port_model_slot(void) { return slot; }
uint32_t port_model_slot_addr(void) { return 0x21000000; }
uint32_t port_model_slot_size(void) { return SLOT_SIZE; }

int port_model_slot_write(uint32_t offset, const uint8_t *data, size_t len)
{
    if (!writable || offset + len > SLOT_SIZE)
        return -1;
    memcpy(slot + offset, data, len);
    return 0;
}

int port_model_slot_writable(void) { return writable; }
uint8_t *port_arena(void) { return arena; }
uint32_t port_arena_size(void) { return ARENA_SIZE; }
uint32_t port_stack_hwm(void) { return 512; }
uint32_t port_stack_size(void) { return 4096; }
const char *port_board_name(void) { return "testboard"; }
const char *port_name(void) { return "fake"; }
uint32_t port_clock_hz(void) { return 48000000; }
const uint8_t *port_build_id(void) { return NULL; }
