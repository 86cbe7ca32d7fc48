/* Reset, stack high-water mark, build-id, arena, identity. */
#include "cortexm.h"
#include "port.h"

#define STACK_PAINT 0xC5C5C5C5u

/* Linker symbols, declared as arrays: only their addresses mean anything. */
extern uint32_t __stack_bottom[], __stack_top[];
extern uint8_t __arena_start[], __arena_end[];
extern const uint32_t __build_id_start[];

void port_reset(void)
{
    board_uart_flush();
    dsb();
    SCB_AIRCR = (0x05FAu << 16) | (1u << 2); /* VECTKEY | SYSRESETREQ */
    dsb();
    for (;;)
        ;
}

/* Called from reset_handler before main(): paint from the bottom of the
 * stack up to a little below the current stack pointer. */
void stack_paint(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = __stack_bottom; p < sp - 16; p++)
        *p = STACK_PAINT;
}

uint32_t port_stack_hwm(void)
{
    const volatile uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == STACK_PAINT)
        p++;
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

uint32_t port_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

uint8_t *port_arena(void)
{
    return __arena_start;
}

uint32_t port_arena_size(void)
{
    return (uint32_t)(__arena_end - __arena_start);
}

/* The linker keeps the GNU build-id note at __build_id_start: namesz,
 * descsz, type, "GNU\0", then the 20-byte SHA-1 descriptor. */
const uint8_t *port_build_id(void)
{
    const uint32_t *n = __build_id_start;
    if (n[0] != 4 || n[1] != 20 || n[2] != 3)
        return 0;
    return (const uint8_t *)(n + 4);
}

const char *port_board_name(void)
{
    return TF_BOARD_NAME;
}

const char *port_name(void)
{
    return TF_PORT_NAME;
}

uint32_t port_clock_hz(void)
{
    return TF_CLOCK_HZ;
}
