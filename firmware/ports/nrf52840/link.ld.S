/* nRF52840. Flash 1 MiB at 0x0: a bootloader below APP_START (0x10000 on the
 * Arduino Nano 33 BLE; 0 on a bare chip such as the nRF52840-DK's), the
 * firmware from there, the model
 * slot in the top SLOT_SIZE bytes (on a 4 KiB page boundary, so a programmer
 * erases it without touching the firmware). RAM 256 KiB at 0x20000000. */
MEMORY
{
    FLASH (rx) : ORIGIN = APP_START, LENGTH = FLASH_BYTES - SLOT_SIZE - APP_START
    SLOT (r)   : ORIGIN = FLASH_BYTES - SLOT_SIZE, LENGTH = SLOT_SIZE
    RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = RAM_BYTES
}
__slot_start = ORIGIN(SLOT);
__slot_size = LENGTH(SLOT);
ASSERT(FLASH_BYTES <= 0x100000, "nRF52840: FLASH_BYTES above 1 MiB")
ASSERT(SLOT_SIZE + APP_START < FLASH_BYTES, "nRF52840: SLOT_SIZE leaves no flash for code")
ASSERT(SLOT_SIZE % 4096 == 0, "nRF52840: SLOT_SIZE must be whole 4 KiB flash pages")
ASSERT(RAM_BYTES <= 0x40000, "nRF52840: RAM_BYTES above 256 KiB")
#include "sections.ld"
