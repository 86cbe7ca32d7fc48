/* STM32L4R5 clock tree: SYSCLK = CLOCK_HZ from HSI16 through the main PLL
 * (HSI16 / 4 = 4 MHz in, VCO = 2 * CLOCK_HZ, PLLR = 2), so no crystal is
 * needed. CLOCK_HZ must be a multiple of 2 MHz from 16 to 120 MHz (16 MHz:
 * HSI16 itself). Above 80 MHz the regulator runs in range 1 boost mode, and
 * the switch to the PLL goes through AHB / 2 for 1 us (RM0432, 6.2.9). */
#include "cortexm.h"
#include "stm32l4.h"

#define PLL_IN_HZ 4000000u

static int wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < 1000000u; i++)
        if ((*reg & mask) == want)
            return 1;
    return 0;
}

static void delay_cycles(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n; i++)
        ;
}

/* Range 1 (boost above 80 MHz): one wait state per 20 MHz (RM0432 table 12). */
static uint32_t flash_wait_states(uint32_t hz)
{
    return (hz - 1u) / 20000000u;
}

static void power_init(uint32_t hz)
{
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)RCC_APB1ENR1;
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_RANGE1;
    if (hz > 80000000u)
        PWR_CR5 &= ~PWR_CR5_R1MODE;
    (void)wait_set(&PWR_SR2, PWR_SR2_VOSF, 0u);
    PWR_CR2 |= PWR_CR2_IOSV; /* port G's upper pins (LPUART1) are on VDDIO2 */
}

/* Returns the core clock actually running. */
uint32_t stm32l4_clock_init(void)
{
    RCC_CR |= RCC_CR_HSION;
    if (!wait_set(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY))
        return 4000000u; /* still on MSI 4 MHz */
    power_init(TF_CLOCK_HZ);
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN |
                FLASH_ACR_DCEN | flash_wait_states(TF_CLOCK_HZ);
    if (TF_CLOCK_HZ == HSI16_HZ) {
        RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | 1u; /* SW = HSI16 */
        return HSI16_HZ;
    }
    uint32_t m = HSI16_HZ / PLL_IN_HZ;
    uint32_t n = TF_CLOCK_HZ / (PLL_IN_HZ / 2u); /* VCO = 4 MHz * n = 2 * CLOCK_HZ */
    RCC_PLLCFGR = RCC_PLLCFGR_SRC_HSI16 | ((m - 1u) << 4) | (n << 8) | RCC_PLLCFGR_PLLREN;
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
        return 4000000u;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_HPRE_MASK) | RCC_CFGR_HPRE_DIV2;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    if (!wait_set(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL))
        return 4000000u;
    delay_cycles(TF_CLOCK_HZ / 2u / 1000000u); /* 1 us at AHB / 2 */
    RCC_CFGR &= ~RCC_CFGR_HPRE_MASK;
    return TF_CLOCK_HZ;
}
