/* Receive side common to the Cortex-M ports: the UART interrupt pushes into
 * a ring sized for TF_RX_WINDOW maximum frames, the agent pops. */
#include "agent_config.h"
#include "cortexm.h"
#include "port.h"
#include "ring.h"

static uint8_t rx_buf[TF_RX_BUFFER_BYTES + 1];
static tf_ring rx;

void uart_ring_init(void)
{
    ring_init(&rx, rx_buf, sizeof rx_buf);
}

void uart_ring_push(uint8_t b)
{
    ring_push(&rx, b);
}

size_t port_uart_read(uint8_t *buf, size_t max)
{
    return ring_pop(&rx, buf, max);
}

uint32_t port_rx_overflows(void)
{
    return rx.dropped;
}

/* Interrupts are masked while checking, so a byte arriving between the check
 * and WFI still wakes it: WFI wakes on a pending interrupt even when PRIMASK
 * masks it, and the handler runs once PRIMASK is cleared. */
void port_idle(void)
{
    uint32_t pm = irq_save();
    if (ring_empty(&rx))
        __asm__ volatile("wfi" ::: "memory");
    irq_restore(pm);
}
