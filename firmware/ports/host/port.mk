# Linux build of the agent: serves the protocol on a pseudo-terminal, like
# QEMU's -serial pty. Sizes here are defaults for its command-line options.
FAMILY := host
BOARD_NAME ?= host
CLOCK_HZ ?= 1000000000
SLOT_SIZE ?= 4194304
ARENA_SIZE ?= 1048576
PORT_DEFS := -DTF_ARENA_SIZE=$(ARENA_SIZE)u
