/* LPUART1 on PG7 (TX) / PG8 (RX), AF8, 8N1, clocked by HSI16 (independent
 * of the core clock), receive interrupt into the shared ring. On the
 * NUCLEO-L4R5ZI these pins are the ST-LINK's virtual COM port. */
#include "board.h"
#include "cortexm.h"
#include "port.h"
#include "stm32l4.h"

#ifndef BOARD_BAUD
#define BOARD_BAUD 115200u
#endif

static void pins_init(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOGEN;
    (void)RCC_AHB2ENR;
    GPIOG_MODER = (GPIOG_MODER & ~(0xFu << 14)) | (0xAu << 14); /* PG7, PG8: AF */
    GPIOG_AFRL = (GPIOG_AFRL & ~(0xFu << 28)) | (8u << 28);     /* PG7: AF8 */
    GPIOG_AFRH = (GPIOG_AFRH & ~0xFu) | 8u;                     /* PG8: AF8 */
    GPIOG_PUPDR = (GPIOG_PUPDR & ~(3u << 16)) | (1u << 16);     /* RX pull-up */
}

void board_uart_init(void)
{
    pins_init();
    RCC_CCIPR = (RCC_CCIPR & ~RCC_CCIPR_LPUART1SEL_MASK) | RCC_CCIPR_LPUART1SEL_HSI16;
    RCC_APB1ENR2 |= RCC_APB1ENR2_LPUART1EN;
    (void)RCC_APB1ENR2;
    LPUART_CR1 = 0;
    /* BRR = 256 * f / baud (RM0432 LPUART): 35556 for 115200 from 16 MHz. */
    LPUART_BRR = (uint32_t)((256ull * HSI16_HZ + BOARD_BAUD / 2u) / BOARD_BAUD);
    LPUART_CR1 = LPUART_CR1_UE | LPUART_CR1_TE | LPUART_CR1_RE | LPUART_CR1_RXNEIE;
    nvic_enable(BOARD_UART_IRQN);
}

/* Reading RDR clears RXNE; an overrun is cleared through ICR, or it would
 * keep the interrupt asserted. */
void board_uart_irq(void)
{
    uint32_t isr;
    while ((isr = LPUART_ISR) & (LPUART_ISR_RXNE | LPUART_ISR_ORE)) {
        if (isr & LPUART_ISR_ORE)
            LPUART_ICR = LPUART_ICR_ORECF;
        if (isr & LPUART_ISR_RXNE)
            uart_ring_push((uint8_t)LPUART_RDR);
    }
}

void port_uart_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (!(LPUART_ISR & LPUART_ISR_TXE))
            ;
        LPUART_TDR = buf[i];
    }
}

/* TC: the shift register is empty too. */
void board_uart_flush(void)
{
    while (!(LPUART_ISR & LPUART_ISR_TC))
        ;
}
