# QEMU -M netduinoplus2 and STM32F405 boards (Cortex-M4). Flash 1 MiB at
# 0x08000000: code below, the model slot in the top SLOT_SIZE bytes (default
# the upper half, sectors 8-11). SRAM 128 KiB at 0x20000000.
FAMILY := cortexm
BOARD_NAME ?= netduinoplus2
CLOCK_HZ ?= 168000000
FLASH_BYTES ?= 1048576
RAM_BYTES ?= 131072
SLOT_SIZE ?= 524288
STACK_SIZE ?= 8192
# External crystal of the board (the Netduino Plus 2 has 25 MHz).
HSE_HZ ?= 25000000
PORT_DEFS := -DBOARD_HSE_HZ=$(HSE_HZ)u
