/* In-memory port for driving the agent in unit tests. */
#ifndef FAKE_PORT_H
#define FAKE_PORT_H

#include <stddef.h>
#include <stdint.h>

void fake_port_reset_state(void);
/* Queue bytes for port_uart_read. */
void fake_port_rx(const uint8_t *data, size_t len);
/* Everything written with port_uart_write since the last take. */
const uint8_t *fake_port_tx(size_t *len);
void fake_port_tx_clear(void);
int fake_port_reset_count(void);
uint8_t *fake_port_slot(void);
void fake_port_set_writable(int w);

#endif
