/* The few STM32F4 registers this port touches (RM0090). */
#ifndef TF_STM32F4_H
#define TF_STM32F4_H

#include "cortexm.h"

#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04)
#define RCC_CFGR REG32(RCC_BASE + 0x08)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30)
#define RCC_APB2ENR REG32(RCC_BASE + 0x44)

#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_PLL 2u
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB2ENR_USART1EN (1u << 4)

#define FLASH_ACR REG32(0x40023C00u)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

#define GPIOA_BASE 0x40020000u
#define GPIOA_MODER REG32(GPIOA_BASE + 0x00)
#define GPIOA_PUPDR REG32(GPIOA_BASE + 0x0C)
#define GPIOA_AFRH REG32(GPIOA_BASE + 0x24)

#define USART1_BASE 0x40011000u
#define USART_SR REG32(USART1_BASE + 0x00)
#define USART_DR REG32(USART1_BASE + 0x04)
#define USART_BRR REG32(USART1_BASE + 0x08)
#define USART_CR1 REG32(USART1_BASE + 0x0C)

#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)

uint32_t stm32_clock_init(void);
uint32_t stm32_apb2_hz(uint32_t core_hz);

#endif
