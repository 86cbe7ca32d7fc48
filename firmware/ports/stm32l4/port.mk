# STM32L4R5 (Cortex-M4F, up to 120 MHz), the MLPerf Tiny reference board's
# part (NUCLEO-L4R5ZI). Flash 2 MiB at 0x08000000: code below, the model slot
# in the top SLOT_SIZE bytes (default bank 2, the upper 1 MiB). SRAM1+2+3
# 640 KiB contiguous at 0x20000000. The agent's UART is LPUART1 on PG7 (TX) /
# PG8 (RX): the ST-LINK's virtual COM port on the Nucleo. The core clock
# comes from HSI16 through the PLL (no crystal needed), LPUART1 from HSI16.
FAMILY := cortexm
BOARD_NAME ?= nucleo-l4r5zi
CLOCK_HZ ?= 120000000
FLASH_BYTES ?= 2097152
RAM_BYTES ?= 655360
SLOT_SIZE ?= 1048576
STACK_SIZE ?= 8192
BAUD ?= 115200
PORT_DEFS := -DBOARD_BAUD=$(BAUD)u
