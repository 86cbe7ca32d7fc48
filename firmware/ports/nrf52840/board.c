/* nRF52840 bring-up and the flash model slot. */
#include "board.h"
#include "cortexm.h"
#include "nrf52840.h"
#include "port.h"

void board_uart_init(void);

/* The CPU always runs at 64 MHz from HFCLK; the crystal (HFXO) only makes
 * the clock, and so the UART's baud rate, accurate. Without a crystal the
 * chip stays on the internal oscillator (about 1.5 %), which still works. */
static void clock_init(void)
{
    CLOCK_EVENTS_HFCLKSTARTED = 0;
    CLOCK_TASKS_HFCLKSTART = 1;
    for (uint32_t i = 0; i < 1000000u && !CLOCK_EVENTS_HFCLKSTARTED; i++)
        ;
    NVMC_ICACHECNF = 1u; /* CACHEEN */
}

/* nRF52840 rev3 (build code F0 on) locks the debug port at every reset
 * unless UICR.APPROTECT is HwDisabled (the harness writes it when flashing)
 * and the firmware writes APPROTECT.DISABLE = SwDisable at boot. Older
 * revisions have no such register; their build code letter is below F. */
static void approtect_keep_open(void)
{
    uint32_t build_letter = (FICR_INFO_VARIANT >> 8) & 0xFFu; /* "AAF0": 'F' */
    if (build_letter >= 'F' && build_letter <= 'Z')
        APPROTECT_DISABLE = APPROTECT_SW_DISABLE;
}

void port_init(void)
{
    extern const void *const g_vectors[];
    approtect_keep_open();
    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors; /* after a bootloader, or at 0x0 */
    clock_init();
    cycles_init(TF_CLOCK_HZ); /* DWT CYCCNT: present on the nRF52840 */
    uart_ring_init();
    board_uart_init();
    __asm__ volatile("cpsie i" ::: "memory");
}

/* The slot is flash, written by the programmer (pyocd, nrfjprog, bossac) with
 * the firmware and checked with SLOT_VERIFY; programming it from the agent
 * (NVMC, 4 KiB page erase at LOAD_BEGIN) is left for a later version, so this
 * port keeps the read-only slot of cortexm/slot.c. */
