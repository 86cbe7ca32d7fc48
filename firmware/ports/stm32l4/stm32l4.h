/* The few STM32L4R5 registers this port touches (RM0432). */
#ifndef TF_STM32L4_H
#define TF_STM32L4_H

#include "cortexm.h"

#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00)
#define RCC_CFGR REG32(RCC_BASE + 0x08)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x0C)
#define RCC_AHB2ENR REG32(RCC_BASE + 0x4C)
#define RCC_APB1ENR1 REG32(RCC_BASE + 0x58)
#define RCC_APB1ENR2 REG32(RCC_BASE + 0x5C)
#define RCC_CCIPR REG32(RCC_BASE + 0x88)

#define RCC_CR_HSION (1u << 8)
#define RCC_CR_HSIRDY (1u << 10)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_MASK 3u
#define RCC_CFGR_SW_PLL 3u
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (3u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_HPRE_DIV2 (8u << 4)
#define RCC_PLLCFGR_SRC_HSI16 2u
#define RCC_PLLCFGR_PLLREN (1u << 24)
#define RCC_AHB2ENR_GPIOGEN (1u << 6)
#define RCC_APB1ENR1_PWREN (1u << 28)
#define RCC_APB1ENR2_LPUART1EN (1u << 0)
#define RCC_CCIPR_LPUART1SEL_MASK (3u << 10)
#define RCC_CCIPR_LPUART1SEL_HSI16 (2u << 10)

#define PWR_BASE 0x40007000u
#define PWR_CR1 REG32(PWR_BASE + 0x00)
#define PWR_CR2 REG32(PWR_BASE + 0x04)
#define PWR_SR2 REG32(PWR_BASE + 0x14)
#define PWR_CR5 REG32(PWR_BASE + 0x80)
#define PWR_CR1_VOS_MASK (3u << 9)
#define PWR_CR1_VOS_RANGE1 (1u << 9)
#define PWR_CR2_IOSV (1u << 9) /* VDDIO2 valid: PG2..PG15 usable */
#define PWR_SR2_VOSF (1u << 10)
#define PWR_CR5_R1MODE (1u << 8) /* 0: range 1 boost, needed above 80 MHz */

#define FLASH_ACR REG32(0x40022000u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

#define GPIOG_BASE 0x48001800u
#define GPIOG_MODER REG32(GPIOG_BASE + 0x00)
#define GPIOG_PUPDR REG32(GPIOG_BASE + 0x0C)
#define GPIOG_AFRL REG32(GPIOG_BASE + 0x20)
#define GPIOG_AFRH REG32(GPIOG_BASE + 0x24)

#define LPUART1_BASE 0x40008000u
#define LPUART_CR1 REG32(LPUART1_BASE + 0x00)
#define LPUART_BRR REG32(LPUART1_BASE + 0x0C)
#define LPUART_ISR REG32(LPUART1_BASE + 0x1C)
#define LPUART_ICR REG32(LPUART1_BASE + 0x20)
#define LPUART_RDR REG32(LPUART1_BASE + 0x24)
#define LPUART_TDR REG32(LPUART1_BASE + 0x28)

#define LPUART_CR1_UE (1u << 0)
#define LPUART_CR1_RE (1u << 2)
#define LPUART_CR1_TE (1u << 3)
#define LPUART_CR1_RXNEIE (1u << 5)
#define LPUART_ISR_ORE (1u << 3)
#define LPUART_ISR_RXNE (1u << 5)
#define LPUART_ISR_TC (1u << 6)
#define LPUART_ISR_TXE (1u << 7)
#define LPUART_ICR_ORECF (1u << 3)

#define HSI16_HZ 16000000u

uint32_t stm32l4_clock_init(void);

#endif
