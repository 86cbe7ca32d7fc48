/* STM32F405: interrupt lines (RM0090 vector table; QEMU stm32f405_soc.c). */
#ifndef TF_BOARD_H
#define TF_BOARD_H

#define BOARD_NUM_IRQS 82
#define BOARD_UART_IRQN 37 /* USART1 */

void board_uart_irq(void);

#endif
