/* mps2-an386: interrupt lines (AN386 / QEMU hw/arm/mps2.c). */
#ifndef TF_BOARD_H
#define TF_BOARD_H

#define BOARD_NUM_IRQS 32
/* UART0 receive interrupt; its transmit interrupt is line 1 (unused). */
#define BOARD_UART_IRQN 0

void board_uart_irq(void);

#endif
