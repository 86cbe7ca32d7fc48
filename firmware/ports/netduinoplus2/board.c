/* STM32F405 bring-up and the flash model slot. */
#include "board.h"
#include "cortexm.h"
#include "port.h"
#include "stm32f4.h"

void board_uart_init(uint32_t core_hz);

void port_init(void)
{
    extern const void *const g_vectors[];
    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
    uint32_t core_hz = stm32_clock_init();
    cycles_init(core_hz);
    uart_ring_init();
    board_uart_init(core_hz);
    __asm__ volatile("cpsie i" ::: "memory");
}

/* The slot is flash. Programming it needs the flash controller, which QEMU
 * does not model: the model is flashed with the firmware (or QEMU's generic
 * loader) and checked with SLOT_VERIFY, so this port keeps the read-only
 * slot of cortexm/slot.c. */
