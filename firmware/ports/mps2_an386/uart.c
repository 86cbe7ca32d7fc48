/* CMSDK APB UART0. The silicon UART has a one-byte receive register and no
 * FIFO, so receiving is interrupt-driven into the shared ring. QEMU's model
 * (hw/char/cmsdk-apb-uart.c) ignores the baud rate but refuses to transmit
 * or receive while BAUDDIV < 16, and its interrupt status bits are
 * write-one-to-clear: reading DATA does not clear the RX interrupt. */
#include "board.h"
#include "cortexm.h"
#include "port.h"

#define UART0 0x40004000u
#define U_DATA REG32(UART0 + 0x00)
#define U_STATE REG32(UART0 + 0x04)
#define U_CTRL REG32(UART0 + 0x08)
#define U_INTCLR REG32(UART0 + 0x0C)
#define U_BAUDDIV REG32(UART0 + 0x10)

#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)
#define STATE_RXOVR (1u << 3)
#define CTRL_TXEN (1u << 0)
#define CTRL_RXEN (1u << 1)
#define CTRL_RXIE (1u << 3)
#define INT_RX (1u << 1)

#ifndef BOARD_BAUD
#define BOARD_BAUD 115200u
#endif

void board_uart_init(void)
{
    uint32_t div = TF_CLOCK_HZ / BOARD_BAUD;
    U_BAUDDIV = div < 16 ? 16 : div;
    U_CTRL = CTRL_TXEN | CTRL_RXEN | CTRL_RXIE;
    nvic_enable(BOARD_UART_IRQN);
}

void board_uart_irq(void)
{
    /* Clear first: a byte landing after the clear re-raises the line. */
    U_INTCLR = INT_RX;
    while (U_STATE & STATE_RXFULL)
        uart_ring_push((uint8_t)U_DATA);
    if (U_STATE & STATE_RXOVR)
        U_STATE = STATE_RXOVR; /* W1C; the byte is lost on silicon */
}

void port_uart_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (U_STATE & STATE_TXFULL)
            ;
        U_DATA = buf[i];
    }
}

/* No "transmit complete" flag: after TXFULL clears, the last byte is in the
 * shift register; wait for it to leave (10 bit times), or a reset would cut
 * it off on silicon. */
void board_uart_flush(void)
{
    while (U_STATE & STATE_TXFULL)
        ;
    uint64_t end = port_cycles() + 10u * (TF_CLOCK_HZ / BOARD_BAUD) + 64u;
    while (port_cycles() < end)
        ;
}
