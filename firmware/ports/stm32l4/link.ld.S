/* STM32L4R5. FLASH_BYTES is the chip's flash at 0x08000000; the model slot
 * is its top SLOT_SIZE bytes, on 8 KiB pages (4 KiB in dual-bank mode), so
 * a programmer erases it without touching the firmware. SRAM1 (192 KiB),
 * SRAM2 (64 KiB) and SRAM3 (384 KiB) are contiguous from 0x20000000. */
MEMORY
{
    FLASH (rx) : ORIGIN = 0x08000000, LENGTH = FLASH_BYTES - SLOT_SIZE
    SLOT (r)   : ORIGIN = 0x08000000 + FLASH_BYTES - SLOT_SIZE, LENGTH = SLOT_SIZE
    RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = RAM_BYTES
}
__slot_start = ORIGIN(SLOT);
__slot_size = LENGTH(SLOT);
ASSERT(FLASH_BYTES <= 0x200000, "STM32L4R5: FLASH_BYTES above 2 MiB")
ASSERT(SLOT_SIZE < FLASH_BYTES, "STM32L4R5: SLOT_SIZE leaves no flash for code")
ASSERT(SLOT_SIZE % 8192 == 0, "STM32L4R5: SLOT_SIZE must be whole 8 KiB flash pages")
ASSERT(RAM_BYTES <= 0xA0000, "STM32L4R5: RAM_BYTES above 640 KiB (SRAM1+2+3)")
#include "sections.ld"
