/* Host port internals shared by main.c and port_host.c. */
#ifndef TF_HOST_H
#define TF_HOST_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

typedef struct {
    int fd;                /* pty master */
    const char *board;
    uint32_t clock_hz;
    uint8_t *slot;
    uint32_t slot_size;
    uint8_t *arena;
    uint32_t arena_size;
    int connected;         /* the slave side has been opened at least once */
    int persist;           /* keep serving after the slave side closes */
} host_state;

extern host_state g_host;
extern volatile sig_atomic_t g_stop;
extern jmp_buf g_reset;

#endif
