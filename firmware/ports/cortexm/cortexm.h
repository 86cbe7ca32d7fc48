/* Cortex-M core registers and intrinsics shared by the Cortex-M ports. */
#ifndef TF_CORTEXM_H
#define TF_CORTEXM_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define SCB_ICSR REG32(0xE000ED04)
#define ICSR_PENDSTCLR (1u << 25)
#define SCB_VTOR REG32(0xE000ED08)
#define SCB_AIRCR REG32(0xE000ED0C)
#define SCB_SHPR3 REG32(0xE000ED20)
#define SCB_CPACR REG32(0xE000ED88)
#define CPACR_CP10_CP11_FULL (0xFu << 20)

#define SYST_CSR REG32(0xE000E010)
#define SYST_RVR REG32(0xE000E014)
#define SYST_CVR REG32(0xE000E018)

#define DHCSR REG32(0xE000EDF0)
#define DHCSR_C_DEBUGEN (1u << 0)
#define DEMCR REG32(0xE000EDFC)
#define DWT_CTRL REG32(0xE0001000)
#define DWT_CYCCNT REG32(0xE0001004)

#define NVIC_ISER(n) REG32(0xE000E100 + 4 * (n))
#define NVIC_IPR8(irq) (*(volatile uint8_t *)(0xE000E400 + (irq)))

static inline void nvic_enable(unsigned irq)
{
    NVIC_ISER(irq / 32) = 1u << (irq % 32);
}

static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

static inline void dsb(void)
{
    __asm__ volatile("dsb 0xF" ::: "memory");
}

/* Board hooks the shared Cortex-M code calls (ports/<board>/). */
void board_uart_flush(void); /* wait until the last byte has left the pin */

/* Shared pieces, called from port_init(). */
void cycles_init(uint32_t core_hz);
void uart_ring_init(void);
/* From the UART receive interrupt: store one byte. */
void uart_ring_push(uint8_t b);

#endif
