/* STM32L4R5 bring-up and the flash model slot. */
#include "board.h"
#include "cortexm.h"
#include "port.h"
#include "stm32l4.h"

void board_uart_init(void);

void port_init(void)
{
    extern const void *const g_vectors[];
    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
    uint32_t core_hz = stm32l4_clock_init();
    cycles_init(core_hz); /* DWT CYCCNT: present on the STM32L4 */
    uart_ring_init();
    board_uart_init();
    __asm__ volatile("cpsie i" ::: "memory");
}

/* The slot is flash, written by the programmer (pyocd, ST-LINK) with the
 * firmware and checked with SLOT_VERIFY; programming it from the agent
 * (FLASH_CR page erase) is left for a later version, so this port keeps the
 * read-only slot of cortexm/slot.c. */
