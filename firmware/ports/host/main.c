/* agent-host: the agent on a Linux pseudo-terminal.
 *   agent-host [--slot FILE] [--slot-size N] [--arena-size N] [--board NAME]
 *              [--clock-hz N] [--persist]
 * Prints "PTY <slave path>" on stdout, then serves the master side until
 * SIGTERM/SIGINT, or until the slave side is closed after having been opened
 * (unless --persist). */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* cfmakeraw, usleep */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "eembc.h"
#include "host.h"
#include "port.h"

static void usage(void)
{
    fprintf(stderr, "usage: agent-host [--slot FILE] [--slot-size N] "
                    "[--arena-size N] [--board NAME] [--clock-hz N] "
                    "[--persist]\n");
    exit(2);
}

static uint32_t parse_u32(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == 0 || *end != 0 || v > 0xFFFFFFFFull)
        usage();
    return (uint32_t)v;
}

static const char *parse_args(int argc, char **argv)
{
    const char *slot_file = NULL;
    g_host.board = TF_BOARD_NAME;
    g_host.clock_hz = TF_CLOCK_HZ;
    g_host.slot_size = TF_SLOT_SIZE;
    g_host.arena_size = TF_ARENA_SIZE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--persist")) {
            g_host.persist = 1;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--slot"))
            slot_file = v;
        else if (!strcmp(a, "--slot-size"))
            g_host.slot_size = parse_u32(v);
        else if (!strcmp(a, "--arena-size"))
            g_host.arena_size = parse_u32(v);
        else if (!strcmp(a, "--board"))
            g_host.board = v;
        else if (!strcmp(a, "--clock-hz"))
            g_host.clock_hz = parse_u32(v);
        else
            usage();
    }
    return slot_file;
}

/* Like a flash programmer: the file's bytes at the start of the slot, the
 * rest erased (0xFF). */
static void load_slot(const char *path)
{
    g_host.slot = malloc(g_host.slot_size ? g_host.slot_size : 1);
    g_host.arena = malloc(g_host.arena_size ? g_host.arena_size : 1);
    if (!g_host.slot || !g_host.arena) {
        fprintf(stderr, "agent-host: out of memory\n");
        exit(1);
    }
    memset(g_host.slot, 0xFF, g_host.slot_size);
    if (!path)
        return;
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    size_t n = fread(g_host.slot, 1, g_host.slot_size, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (more) {
        fprintf(stderr, "agent-host: %s larger than the slot (%u bytes)\n",
                path, g_host.slot_size);
        exit(1);
    }
    (void)n;
}

/* Raw, non-blocking master, as QEMU's -serial pty sets it up. */
static const char *open_pty(void)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0 || grantpt(fd) || unlockpt(fd)) {
        perror("agent-host: pty");
        exit(1);
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    g_host.fd = fd;
    return ptsname(fd);
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
    load_slot(parse_args(argc, argv));
    const char *name = open_pty();
    install_signals();
    printf("PTY %s\n", name);
    fflush(stdout);

    setjmp(g_reset); /* RESET lands here */
#if TF_PROTOCOL_EEMBC
    eembc_init();
    while (!g_stop) {
        if (!eembc_poll())
            port_idle();
    }
#else
    agent_init();
    agent_announce();
    while (!g_stop) {
        if (!agent_poll())
            port_idle();
    }
#endif
    close(g_host.fd);
    free(g_host.slot);
    free(g_host.arena);
    return 0;
}
