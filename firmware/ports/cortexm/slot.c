/* The model slot every Cortex-M port places with its linker script
 * (__slot_start, __slot_size). Whether the agent may write it is the
 * board's business (RAM: memcpy; flash: a flash controller), so
 * port_model_slot_writable and port_model_slot_write stay in board.c. */
#include <stdint.h>

#include "port.h"

extern uint8_t __slot_start[], __slot_size[]; /* linker symbols */

const uint8_t *port_model_slot(void)
{
    return __slot_start;
}

uint32_t port_model_slot_addr(void)
{
    return (uint32_t)(uintptr_t)__slot_start;
}

uint32_t port_model_slot_size(void)
{
    return (uint32_t)(uintptr_t)__slot_size;
}
