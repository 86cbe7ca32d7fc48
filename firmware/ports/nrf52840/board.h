/* nRF52840: interrupt lines (nRF52840 Product Specification, instantiation table). */
#ifndef TF_BOARD_H
#define TF_BOARD_H

#define BOARD_NUM_IRQS 48
#define BOARD_UART_IRQN 2 /* UARTE0_UART0 */

void board_uart_irq(void);

#endif
