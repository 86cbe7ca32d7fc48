/* mps2-an386: bring-up and the PSRAM model slot. */
#include <string.h>

#include "board.h"
#include "cortexm.h"
#include "port.h"

extern uint8_t __slot_start[]; /* linker symbol */
void board_uart_init(void);

void port_init(void)
{
    extern const void *const g_vectors[];
    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
    cycles_init(TF_CLOCK_HZ); /* the FPGA clock is fixed at 25 MHz */
    uart_ring_init();
    board_uart_init();
    __asm__ volatile("cpsie i" ::: "memory");
}

int port_model_slot_writable(void)
{
    return 1;
}

int port_model_slot_write(uint32_t offset, const uint8_t *data, size_t len)
{
    if (offset > port_model_slot_size() || len > port_model_slot_size() - offset)
        return -1;
    memcpy(__slot_start + offset, data, len);
    return 0;
}
