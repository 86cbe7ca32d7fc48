/* STM32L4R5: interrupt lines (RM0432 vector table). */
#ifndef TF_BOARD_H
#define TF_BOARD_H

#define BOARD_NUM_IRQS 95
#define BOARD_UART_IRQN 70 /* LPUART1 */

void board_uart_irq(void);

#endif
