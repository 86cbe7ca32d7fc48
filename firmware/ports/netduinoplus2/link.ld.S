/* STM32F405 (netduinoplus2). FLASH_BYTES is the chip's flash; the model slot
 * is its top SLOT_SIZE bytes and the firmware gets the rest. Keep the slot
 * on a sector boundary (0x08080000 starts the 128 KiB sectors 8-11) so a
 * programmer can erase it without touching the firmware. */
MEMORY
{
    FLASH (rx) : ORIGIN = 0x08000000, LENGTH = FLASH_BYTES - SLOT_SIZE
    SLOT (r)   : ORIGIN = 0x08000000 + FLASH_BYTES - SLOT_SIZE, LENGTH = SLOT_SIZE
    RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = RAM_BYTES
}
__slot_start = ORIGIN(SLOT);
__slot_size = LENGTH(SLOT);
ASSERT(FLASH_BYTES <= 0x100000, "STM32F405: FLASH_BYTES above 1 MiB")
ASSERT(SLOT_SIZE < FLASH_BYTES, "STM32F405: SLOT_SIZE leaves no flash for code")
ASSERT(RAM_BYTES <= 0x20000, "STM32F405: RAM_BYTES above 128 KiB (SRAM1+2)")
#include "sections.ld"
