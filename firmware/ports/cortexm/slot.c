/* The model slot every Cortex-M port places with its linker script
 * (__slot_start, __slot_size). By default the slot is read-only to the agent
 * (flash, written by the programmer; the model is checked with SLOT_VERIFY).
 * A board whose slot the agent can write (RAM, or flash it programs)
 * defines port_model_slot_writable and port_model_slot_write in its board.c,
 * which replace the weak ones here. */
#include <stddef.h>
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

__attribute__((weak)) int port_model_slot_writable(void)
{
    return 0;
}

__attribute__((weak)) int port_model_slot_write(uint32_t offset, const uint8_t *data, size_t len)
{
    (void)offset;
    (void)data;
    (void)len;
    return -1;
}
