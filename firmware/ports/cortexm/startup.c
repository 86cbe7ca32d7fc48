/* Vector table and reset: copy .data, zero .bss, paint the stack, main(). */
#include <stdint.h>

#include "board.h"
#include "cortexm.h"

extern uint32_t __data_start, __data_end, __data_load;
extern uint32_t __bss_start, __bss_end;
extern uint32_t __stack_top;

int main(void);
void reset_handler(void);
void systick_handler(void);
void stack_paint(void);

/* A fault or an unexpected interrupt. With a debugger attached (DHCSR
 * C_DEBUGEN) stop there for it; without one, a bkpt would escalate to a
 * lockup, so reset instead: the harness sees the agent boot again (its LOG
 * frame) and its recovery ladder takes over. No UART flush: the fault may be
 * in the UART. */
void default_handler(void)
{
    if (DHCSR & DHCSR_C_DEBUGEN)
        __asm__ volatile("bkpt #0");
    dsb();
    SCB_AIRCR = (0x05FAu << 16) | (1u << 2); /* VECTKEY | SYSRESETREQ */
    dsb();
    for (;;)
        ;
}

void reset_handler(void)
{
#if defined(__ARM_FP)
    /* Hard-float build (FPU=...): grant full access to CP10/CP11 before any
     * floating-point instruction; without it the first one takes a
     * UsageFault (NOCP). This function itself only moves words. */
    SCB_CPACR |= CPACR_CP10_CP11_FULL;
    __asm__ volatile("dsb\n isb" ::: "memory");
#endif
    uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;)
        *dst++ = *src++;
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;)
        *dst++ = 0;
    stack_paint();
    main();
    for (;;)
        ;
}

typedef void (*vector)(void);

/* GNU range initialisers fill every interrupt slot, then the board's UART
 * handler overrides its slot. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".vectors"), used))
const vector g_vectors[16 + BOARD_NUM_IRQS] = {
    [0] = (vector)(uintptr_t)&__stack_top,
    [1] = reset_handler,
    [2 ... 16 + BOARD_NUM_IRQS - 1] = default_handler,
    [7 ... 10] = 0, /* reserved */
    [13] = 0,
    [15] = systick_handler,
    [16 + BOARD_UART_IRQN] = board_uart_irq,
};
#pragma GCC diagnostic pop
