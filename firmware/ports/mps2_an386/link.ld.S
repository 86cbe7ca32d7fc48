/* mps2-an386. FLASH_BYTES, RAM_BYTES, SLOT_SIZE and STACK_SIZE come from the
 * Makefile. The "flash" is ZBT SSRAM1, where QEMU's -kernel loads the image.
 * The slot is PSRAM: nothing is linked there; QEMU's generic loader (or
 * LOAD_CHUNK) fills it. */
MEMORY
{
    FLASH (rx) : ORIGIN = 0x00000000, LENGTH = FLASH_BYTES
    RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = RAM_BYTES
    SLOT (rw)  : ORIGIN = 0x21000000, LENGTH = SLOT_SIZE
}
__slot_start = ORIGIN(SLOT);
__slot_size = LENGTH(SLOT);
ASSERT(FLASH_BYTES <= 0x400000, "mps2-an386: FLASH_BYTES above 4 MiB (SSRAM1)")
ASSERT(RAM_BYTES <= 0x400000, "mps2-an386: RAM_BYTES above 4 MiB (SSRAM2/3)")
ASSERT(SLOT_SIZE <= 0x1000000, "mps2-an386: SLOT_SIZE above 16 MiB (PSRAM)")
#include "sections.ld"
