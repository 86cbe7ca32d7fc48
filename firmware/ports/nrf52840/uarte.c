/* UARTE0 with EasyDMA, 8N1, into the shared receive ring.
 *
 * EasyDMA reads and writes RAM only, and a transfer ends (ENDRX) only when
 * its buffer is full. Receive therefore runs two one-byte DMA buffers in
 * turn: the ENDRX->STARTRX shortcut restarts reception at once into the
 * buffer whose address was latched after the previous RXSTARTED, while the
 * interrupt copies the finished buffer into the ring the agent drains
 * (ports/cortexm/uart_ring.c), exactly as a receive-register interrupt does
 * on the other ports. Each completed byte costs one short interrupt; the
 * handler has a whole byte time (10.8 us at 921600 baud) before the buffer
 * it hands back is needed again. Longer DMA buffers would need an idle-line
 * timer to flush a partly filled one.
 *
 * Transmit copies into a RAM buffer (the agent may pass constants in flash)
 * and waits for ENDTX; nothing is sent during INFER's timed region. */
#include "board.h"
#include "cortexm.h"
#include "nrf52840.h"
#include "port.h"

#ifndef BOARD_BAUD
#define BOARD_BAUD 115200u
#endif
#ifndef BOARD_TX_PIN
#define BOARD_TX_PIN 35u /* P1.03 */
#endif
#ifndef BOARD_RX_PIN
#define BOARD_RX_PIN 42u /* P1.10 */
#endif

#define RX_CHUNK 1u
#define TX_CHUNK 64u

static uint8_t rx_dma[2][RX_CHUNK];
static volatile uint32_t rx_filling; /* which rx_dma buffer EasyDMA writes now */
static uint8_t tx_dma[TX_CHUNK];

/* BAUDRATE register values from the Product Specification (UARTE table);
 * other rates by its formula: round(baud * 2^32 / 16 MHz), low 12 bits 0. */
static uint32_t baud_register(uint32_t baud)
{
    switch (baud) {
    case 9600u: return 0x00275000u;
    case 19200u: return 0x004EA000u;
    case 38400u: return 0x009D0000u;
    case 57600u: return 0x00EB0000u;
    case 115200u: return 0x01D60000u;
    case 230400u: return 0x03B00000u;
    case 250000u: return 0x04000000u;
    case 460800u: return 0x07400000u;
    case 921600u: return 0x0F000000u;
    case 1000000u: return 0x10000000u;
    default: {
        uint64_t v = (((uint64_t)baud << 32) + 8000000u) / 16000000u;
        return (uint32_t)(v + 0x800u) & 0xFFFFF000u;
    }
    }
}

static void pins_init(void)
{
    GPIO_OUTSET(BOARD_TX_PIN) = 1u << (BOARD_TX_PIN & 31u); /* idle high before connecting */
    GPIO_PIN_CNF(BOARD_TX_PIN) = PIN_CNF_OUTPUT;
    GPIO_PIN_CNF(BOARD_RX_PIN) = PIN_CNF_INPUT_PULLUP;
}

void board_uart_init(void)
{
    pins_init();
    UARTE_ENABLE = 0;
    UARTE_PSEL_TXD = BOARD_TX_PIN;
    UARTE_PSEL_RXD = BOARD_RX_PIN;
    UARTE_PSEL_RTS = UARTE_PSEL_DISCONNECTED;
    UARTE_PSEL_CTS = UARTE_PSEL_DISCONNECTED;
    UARTE_BAUDRATE = baud_register(BOARD_BAUD);
    UARTE_CONFIG = 0; /* no flow control, no parity, one stop bit */
    UARTE_ENABLE = UARTE_ENABLE_ON;

    UARTE_EVENTS_ENDRX = 0;
    UARTE_EVENTS_RXSTARTED = 0;
    UARTE_EVENTS_ERROR = 0;
    UARTE_SHORTS = UARTE_SHORTS_ENDRX_STARTRX;
    UARTE_INTENCLR = 0xFFFFFFFFu;
    UARTE_INTENSET = UARTE_INT_ENDRX | UARTE_INT_RXSTARTED | UARTE_INT_ERROR;
    rx_filling = 0;
    UARTE_RXD_PTR = (uint32_t)(uintptr_t)rx_dma[0];
    UARTE_RXD_MAXCNT = RX_CHUNK;
    UARTE_TASKS_STARTRX = 1;
    nvic_enable(BOARD_UART_IRQN);
}

/* ENDRX before RXSTARTED: when both are pending, the finished buffer is
 * handed over first, then the next-but-one address is latched. */
void board_uart_irq(void)
{
    if (UARTE_EVENTS_ERROR) {
        UARTE_EVENTS_ERROR = 0;
        UARTE_ERRORSRC = UARTE_ERRORSRC; /* write 1s to clear; reception goes on */
    }
    if (UARTE_EVENTS_ENDRX) {
        UARTE_EVENTS_ENDRX = 0;
        uint32_t done = rx_filling;
        uint32_t n = UARTE_RXD_AMOUNT;
        for (uint32_t i = 0; i < n && i < RX_CHUNK; i++)
            uart_ring_push(rx_dma[done][i]);
        rx_filling = done ^ 1u;
    }
    if (UARTE_EVENTS_RXSTARTED) {
        UARTE_EVENTS_RXSTARTED = 0;
        /* EasyDMA latched the current buffer's address; the next ENDRX->STARTRX
         * takes this one. */
        UARTE_RXD_PTR = (uint32_t)(uintptr_t)rx_dma[rx_filling ^ 1u];
    }
    (void)UARTE_EVENTS_ENDRX; /* read back: the event clear lands before return */
}

void port_uart_write(const uint8_t *buf, size_t len)
{
    while (len > 0) {
        uint32_t n = len < TX_CHUNK ? (uint32_t)len : TX_CHUNK;
        for (uint32_t i = 0; i < n; i++)
            tx_dma[i] = buf[i];
        UARTE_EVENTS_ENDTX = 0;
        UARTE_TXD_PTR = (uint32_t)(uintptr_t)tx_dma;
        UARTE_TXD_MAXCNT = n;
        UARTE_TASKS_STARTTX = 1;
        while (!UARTE_EVENTS_ENDTX)
            ;
        buf += n;
        len -= n;
    }
}

/* ENDTX means EasyDMA has handed every byte to the UARTE; STOPTX lets the
 * byte in the shifter finish (TXSTOPPED), then two more character times
 * cover the last one on the pin before a reset. */
void board_uart_flush(void)
{
    UARTE_EVENTS_TXSTOPPED = 0;
    UARTE_TASKS_STOPTX = 1;
    for (uint32_t i = 0; i < 1000000u && !UARTE_EVENTS_TXSTOPPED; i++)
        ;
    for (volatile uint32_t i = 0; i < TF_CLOCK_HZ / BOARD_BAUD * 20u / 4u; i++)
        ;
}
