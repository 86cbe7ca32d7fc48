# nRF52840 (Cortex-M4F, 64 MHz). The defaults are the Arduino Nano 33 BLE
# (Sense): its bootloader owns 0x0-0xFFFF, so the image starts at APP_START =
# 0x10000. The board variant comes from the harness (harness/config/ports.py,
# the board profile or farm.toml): the nRF52840-DK builds with APP_START=0
# UART_TX_PIN=6 UART_RX_PIN=8 (P0.06 / P0.08, the interface MCU's VCOM). Flash
# 1 MiB: the model slot is the top SLOT_SIZE bytes, the firmware gets
# APP_START up to the slot. RAM 256 KiB at 0x20000000.
FAMILY := cortexm
BOARD_NAME ?= nrf52840
CLOCK_HZ ?= 64000000
FLASH_BYTES ?= 1048576
RAM_BYTES ?= 262144
SLOT_SIZE ?= 524288
STACK_SIZE ?= 8192
APP_START ?= 0x10000
# UARTE0 pins as GPIO numbers (32 * port + pin) and the baud rate. Nano 33 BLE:
# TX on D1 = P1.03, RX on D0 = P1.10.
BAUD ?= 115200
UART_TX_PIN ?= 35
UART_RX_PIN ?= 42
PORT_DEFS := -DBOARD_BAUD=$(BAUD)u -DBOARD_TX_PIN=$(UART_TX_PIN)u -DBOARD_RX_PIN=$(UART_RX_PIN)u
PORT_LD_VARS := APP_START=$(APP_START)
