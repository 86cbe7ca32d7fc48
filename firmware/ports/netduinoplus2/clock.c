/* STM32F4 clock tree: SYSCLK = CLOCK_HZ from the HSE crystal through the
 * main PLL, as on silicon. QEMU 7.2 does not model the RCC (its registers
 * read 0 and ignore writes) and runs the core at a fixed 168 MHz; an RCC_CR
 * that reads 0 can only be that, since HSION/HSIRDY are 1 after any real
 * reset. */
#include "cortexm.h"
#include "stm32f4.h"

#define HSI_HZ 16000000u

static int wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < 1000000u; i++)
        if ((*reg & mask) == want)
            return 1;
    return 0;
}

static uint32_t flash_wait_states(uint32_t hz)
{
    return (hz - 1u) / 30000000u; /* 2.7-3.6 V, RM0090 table 10 */
}

/* APB2 <= 84 MHz, APB1 <= 42 MHz. Returns the CFGR prescaler bits. */
static uint32_t apb_prescalers(uint32_t hz)
{
    uint32_t ppre1 = hz > 84000000u ? 5u : hz > 42000000u ? 4u : 0u; /* /4 /2 */
    uint32_t ppre2 = hz > 84000000u ? 4u : 0u;                        /* /2 */
    return (ppre1 << 10) | (ppre2 << 13);
}

/* Returns the core clock actually running. */
uint32_t stm32_clock_init(void)
{
    if (RCC_CR == 0)
        return TF_CLOCK_HZ; /* emulator without an RCC: clock is fixed */
    if (TF_CLOCK_HZ == HSI_HZ)
        return HSI_HZ;

    RCC_CR |= RCC_CR_HSEON;
    if (!wait_set(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY))
        return HSI_HZ; /* no crystal: stay on HSI, report it */

    /* VCO input 1 MHz, VCO = 2 * CLOCK_HZ, P = 2, Q for 48 MHz USB. */
    uint32_t m = BOARD_HSE_HZ / 1000000u;
    uint32_t n = 2u * (TF_CLOCK_HZ / 1000000u);
    uint32_t q = (n + 47u) / 48u;
    RCC_PLLCFGR = m | (n << 6) | (0u << 16) | RCC_PLLCFGR_SRC_HSE | (q << 24);
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
        return HSI_HZ;

    FLASH_ACR = FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN |
                flash_wait_states(TF_CLOCK_HZ);
    RCC_CFGR = apb_prescalers(TF_CLOCK_HZ) | RCC_CFGR_SW_PLL;
    if (!wait_set(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL))
        return HSI_HZ;
    return TF_CLOCK_HZ;
}

/* USART1 sits on APB2. */
uint32_t stm32_apb2_hz(uint32_t core_hz)
{
    return core_hz > 84000000u ? core_hz / 2u : core_hz;
}
