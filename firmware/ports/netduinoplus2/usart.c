/* USART1 on PA9 (TX) / PA10 (RX), AF7, 8N1, receive interrupt into the
 * shared ring. The same code runs on silicon and in QEMU, where
 * hw/char/stm32f2xx_usart.c drops every byte that arrives before UE and RE
 * are set (the host's HELLO retry covers boot), ignores BRR, and raises the
 * interrupt while (SR & CR1) has TXE, TC or RXNE: enabling TXEIE or TCIE
 * there would storm, so only RXNEIE is used and transmit is polled. */
#include "board.h"
#include "cortexm.h"
#include "port.h"
#include "stm32f4.h"

#ifndef BOARD_BAUD
#define BOARD_BAUD 115200u
#endif

static void pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    (void)RCC_AHB1ENR; /* RM0090: a read delays the first access after enable */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 18)) | (0xAu << 18); /* AF */
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFFu << 4)) | (0x77u << 4);  /* AF7 */
    GPIOA_PUPDR = (GPIOA_PUPDR & ~(3u << 20)) | (1u << 20);    /* RX pull-up */
}

void board_uart_init(uint32_t core_hz)
{
    pins_init();
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;
    uint32_t pclk = stm32_apb2_hz(core_hz);
    USART_BRR = (pclk + BOARD_BAUD / 2u) / BOARD_BAUD; /* OVER8 = 0 */
    USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    nvic_enable(BOARD_UART_IRQN);
}

/* Reading SR then DR clears RXNE and an overrun (ORE), which would otherwise
 * keep the interrupt asserted on silicon. */
void board_uart_irq(void)
{
    uint32_t sr;
    while ((sr = USART_SR) & (USART_SR_RXNE | USART_SR_ORE)) {
        uint8_t b = (uint8_t)USART_DR;
        if (sr & USART_SR_RXNE)
            uart_ring_push(b);
    }
}

void port_uart_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (!(USART_SR & USART_SR_TXE))
            ;
        USART_DR = buf[i];
    }
}

/* TC: the shift register is empty too. */
void board_uart_flush(void)
{
    while (!(USART_SR & USART_SR_TC))
        ;
}
