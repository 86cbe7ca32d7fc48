/* port.h on Linux: the UART is a pty master, the counter CLOCK_MONOTONIC. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* cfmakeraw, usleep */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "port.h"

host_state g_host;
volatile sig_atomic_t g_stop;
jmp_buf g_reset;

void port_init(void) {}

/* EIO means no process has the slave side open; not an error here. */
size_t port_uart_read(uint8_t *buf, size_t max)
{
    ssize_t n = read(g_host.fd, buf, max);
    if (n > 0) {
        g_host.connected = 1;
        return (size_t)n;
    }
    return 0;
}

void port_uart_write(const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(g_host.fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {g_host.fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) <= 0 || (p.revents & (POLLHUP | POLLERR)))
                return; /* reader gone: the bytes are lost, as on a wire */
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return;
        }
    }
}

uint32_t port_rx_overflows(void)
{
    return 0; /* the kernel's pty buffer applies back-pressure instead */
}

/* Blocks in poll(), never spins. While nobody has the slave open the master
 * reports POLLHUP at once, so sleep between looks. */
void port_idle(void)
{
    struct pollfd p = {g_host.fd, POLLIN, 0};
    int r = poll(&p, 1, 1000);
    if (r > 0 && (p.revents & POLLHUP) && !(p.revents & POLLIN)) {
        if (g_host.connected && !g_host.persist)
            g_stop = 1;
        else
            usleep(20000);
    }
}

uint64_t port_cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t port_counter_hz(void) { return 1000000000u; }
void port_cycles_align(void) {}

/* No board to reset: unwind to main(), which re-initialises the agent. */
void port_reset(void)
{
    longjmp(g_reset, 1);
}

const uint8_t *port_model_slot(void) { return g_host.slot; }
uint32_t port_model_slot_addr(void) { return 0; }
uint32_t port_model_slot_size(void) { return g_host.slot_size; }
int port_model_slot_writable(void) { return 1; }

int port_model_slot_write(uint32_t offset, const uint8_t *data, size_t len)
{
    if (offset > g_host.slot_size || len > g_host.slot_size - offset)
        return -1;
    memcpy(g_host.slot + offset, data, len);
    return 0;
}

uint8_t *port_arena(void) { return g_host.arena; }
uint32_t port_arena_size(void) { return g_host.arena_size; }
uint32_t port_stack_hwm(void) { return 0; }
uint32_t port_stack_size(void) { return 0; }
const char *port_board_name(void) { return g_host.board; }
const char *port_name(void) { return TF_PORT_NAME; }
uint32_t port_clock_hz(void) { return g_host.clock_hz; }
const uint8_t *port_build_id(void) { return NULL; }
