/* 64-bit cycle counter. DWT CYCCNT where it runs; otherwise SysTick on the
 * processor clock. SysTick interrupts every 2^24 cycles in both cases: it
 * counts wraps (SysTick mode) or samples CYCCNT (DWT mode) so the 32-bit
 * CYCCNT never wraps twice unseen. QEMU does not model the DWT: DWT_CTRL and
 * CYCCNT read 0 there, so the QEMU ports run in SysTick mode, and under
 * -icount the count is deterministic. port_cycles() is for thread mode. */
#include "cortexm.h"
#include "port.h"

#define SYST_PERIOD (1u << 24)

static volatile uint32_t systick_wraps; /* SysTick mode */
static uint64_t systick_base;           /* count at the last align */
static uint32_t dwt_last, dwt_high;     /* DWT mode */
static int use_dwt;
static uint32_t counter_hz;

static int dwt_start(void)
{
    DEMCR |= 1u << 24; /* TRCENA */
    uint32_t ctrl = DWT_CTRL;
    if (ctrl == 0 || (ctrl & (1u << 25))) /* absent, or NOCYCCNT */
        return 0;
    DWT_CYCCNT = 0;
    DWT_CTRL = ctrl | 1u; /* CYCCNTENA */
    uint32_t a = DWT_CYCCNT;
    for (volatile int i = 0; i < 16; i++)
        ;
    return DWT_CYCCNT != a;
}

static uint64_t dwt_read(void)
{
    uint32_t pm = irq_save();
    uint32_t now = DWT_CYCCNT;
    if (now < dwt_last)
        dwt_high++;
    dwt_last = now;
    uint64_t v = ((uint64_t)dwt_high << 32) | now;
    irq_restore(pm);
    return v;
}

/* SysTick counts P-1 .. 1, 0, reloads P-1. The interrupt (one more wrap)
 * comes on the step to 0, so 0 reads as the end of a period whether or not
 * the handler has run yet: skip it (it lasts one tick) rather than guess. A
 * wrap between the two reads of the wrap count shows as a change. */
static uint64_t systick_read(void)
{
    uint32_t hi, cur;
    do {
        hi = systick_wraps;
        cur = SYST_CVR;
    } while (cur == 0 || hi != systick_wraps);
    return systick_base + (uint64_t)hi * SYST_PERIOD + (SYST_PERIOD - cur);
}

/* Restart SysTick so its tick phase is fixed relative to the instruction
 * stream from here on: enabling starts a fresh tick, and under QEMU -icount
 * the reload then comes a fixed number of instructions later. Costs about
 * one tick of counted time; the count stays monotonic. */
void port_cycles_align(void)
{
    if (use_dwt)
        return;
    uint64_t now = systick_read();
    uint32_t pm = irq_save();
    SYST_CSR = 0;
    SCB_ICSR = ICSR_PENDSTCLR; /* a wrap since `now` is covered by it */
    systick_wraps = 0;
    SYST_CVR = 0;
    SYST_CSR = 7;
    while (SYST_CVR == 0)
        ; /* the reload to P-1 comes on the next tick */
    systick_base = now;
    irq_restore(pm);
}

void systick_handler(void)
{
    if (use_dwt)
        (void)dwt_read();
    else
        systick_wraps++;
}

void cycles_init(uint32_t core_hz)
{
    counter_hz = core_hz;
    use_dwt = dwt_start();
    SYST_RVR = SYST_PERIOD - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
}

uint64_t port_cycles(void)
{
    return use_dwt ? dwt_read() : systick_read();
}

uint32_t port_counter_hz(void)
{
    return counter_hz;
}
