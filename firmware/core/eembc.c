/* The EEMBC / MLPerf Tiny personality (see eembc.h). */
#include "eembc.h"

#include <string.h>

#include "../engine/engine.h"
#include "fmt.h"
#include "port.h"

static struct {
    char cmd[EEMBC_CMD_SIZE + 1];
    size_t pos;
    uint32_t db_size;   /* bytes announced by db load */
    uint32_t db_pos;    /* bytes received since */
    int model_ok;
    engine_error load_err;
    engine_error infer_err;
    int have_output;
} g_ee;

static void say(const char *s) { port_uart_write((const uint8_t *)s, strlen(s)); }

static void sayf(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    size_t n = tf_vfmt(line, sizeof line, fmt, ap);
    va_end(ap);
    port_uart_write((const uint8_t *)line, n);
}

static void say_u64(const char *prefix, uint64_t v)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v && n < sizeof digits);
    say(prefix);
    while (n)
        port_uart_write((const uint8_t *)&digits[--n], 1);
    say("\r\n");
}

/* m-lap-us-N: the port's counter in microseconds. */
static void timestamp(void)
{
    uint64_t c = port_cycles();
    uint64_t hz = port_counter_hz();
    say_u64("m-lap-us-", (c / hz) * 1000000u + (c % hz) * 1000000u / hz);
}

void eembc_init(void)
{
    memset(&g_ee, 0, sizeof g_ee);
    engine_unload();
    g_ee.model_ok = engine_load(port_model_slot(), port_model_slot_size(),
                                port_arena(), port_arena_size(),
                                &g_ee.load_err) == ENGINE_OK;
    say("m-timestamp-mode-performance\r\n");
    timestamp();
    say("m-init-done\r\n");
    say("m-ready\r\n");
}

int eembc_hex_byte(const char *two)
{
    int v = 0;
    for (int i = 0; i < 2; i++) {
        char c = two[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

size_t eembc_fixed3(char *out, float v)
{
    size_t n = 0;
    if (v < 0) {
        out[n++] = '-';
        v = -v;
    }
    if (v > 2000000.0f)
        v = 2000000.0f;
    uint32_t milli = (uint32_t)(v * 1000.0f + 0.5f);
    n += tf_fmt(out + n, 16 - n, "%u.", milli / 1000u);
    out[n++] = (char)('0' + milli / 100u % 10u);
    out[n++] = (char)('0' + milli / 10u % 10u);
    out[n++] = (char)('0' + milli % 10u);
    out[n] = 0;
    return n;
}

static float output_value(const engine_tensor_info *ti, const uint8_t *p, uint32_t i)
{
    switch (ti->type) {
    case 9: /* INT8 */
        return ti->scale * (float)((int32_t)(int8_t)p[i] - ti->zero_point);
    case 3: /* UINT8 */
        return ti->scale * (float)((int32_t)p[i] - ti->zero_point);
    case 0: { /* FLOAT32 */
        float f;
        memcpy(&f, p + 4u * i, 4);
        return f;
    }
    default:
        return 0.0f;
    }
}

static void results(void)
{
    if (!g_ee.have_output) {
        say("e-[No results: run infer first]\r\n");
        return;
    }
    const engine_tensor_info *ti = engine_output_info();
    uint32_t count = ti->type == 0 ? ti->bytes / 4u : ti->bytes;
    char num[16];
    say("m-results-[");
    for (uint32_t i = 0; i < count; i++) {
        size_t n = eembc_fixed3(num, output_value(ti, engine_output_buffer(), i));
        if (i)
            say(",");
        port_uart_write((const uint8_t *)num, n);
    }
    say("]\r\n");
}

static uint32_t to_u32(const char *s, int *ok)
{
    uint32_t v = 0;
    *ok = s != NULL && *s != 0;
    for (; *ok && *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000u)
            *ok = 0;
        else
            v = v * 10u + (uint32_t)(*s - '0');
    }
    return v;
}

/* Every EEMBC inference is independent: a stateful model's variable
 * tensors are reset before each (the default of the tinyfarm protocol too). */
static int invoke(void)
{
    engine_reset_state();
    return engine_invoke(port_cycles, NULL, 0, NULL, &g_ee.infer_err) == ENGINE_OK;
}

static void infer(const char *n_arg, const char *w_arg)
{
    int ok_n = 1, ok_w = 1;
    uint32_t n = n_arg ? to_u32(n_arg, &ok_n) : 1u;
    uint32_t w = w_arg ? to_u32(w_arg, &ok_w) : 10u;
    if (!ok_n || n == 0) {
        say("e-[Inference iterations must be >0]\r\n");
        return;
    }
    if (!ok_w) {
        say("e-[Inference warmup must be >=0]\r\n");
        return;
    }
    if (!g_ee.model_ok) {
        sayf("e-[Model rejected: %s]\r\n", g_ee.load_err.msg);
        return;
    }
    uint32_t want = engine_input_info()->bytes;
    if (g_ee.db_pos != want) {
        sayf("e-[Input has %u bytes, model expects %u]\r\n", g_ee.db_pos, want);
        return;
    }
    sayf("m-warmup-start-%u\r\n", w);
    int ok = 1;
    while (ok && w--)
        ok = invoke();
    say("m-warmup-done\r\n");
    sayf("m-infer-start-%u\r\n", n);
    port_cycles_align();
    timestamp();
    while (ok && n--)
        ok = invoke();
    timestamp();
    say("m-infer-done\r\n");
    g_ee.have_output = ok;
    if (!ok) {
        sayf("e-[Inference failed: %s]\r\n", g_ee.infer_err.msg);
        return;
    }
    results();
}

static void db_load(const char *arg)
{
    int ok;
    uint32_t n = to_u32(arg, &ok);
    if (!ok || n == 0) {
        say("e-[Command 'db load' must be >0 bytes]\r\n");
        return;
    }
    uint32_t room = g_ee.model_ok ? engine_input_info()->bytes : 0u;
    if (n > room) {
        sayf("e-[Input of %u bytes exceeds the model input of %u bytes]\r\n", n, room);
        return;
    }
    g_ee.db_size = n;
    g_ee.db_pos = 0;
    g_ee.have_output = 0;
    sayf("m-[Expecting %u bytes]\r\n", n);
}

static void db_bytes(const char *hex)
{
    size_t len = strlen(hex);
    if (len & 1u) {
        say("e-[Insufficent number of hex digits]\r\n");
        return;
    }
    for (size_t i = 0; i < len && g_ee.db_pos < g_ee.db_size; i += 2) {
        int v = eembc_hex_byte(hex + i);
        if (v < 0) {
            say("e-[Invalid hex digit]\r\n");
            return;
        }
        engine_input_buffer()[g_ee.db_pos++] = (uint8_t)v;
        if (g_ee.db_pos == g_ee.db_size)
            say("m-load-done\r\n");
    }
}

static char *next_token(char **rest)
{
    char *s = *rest;
    while (*s == ' ')
        s++;
    if (!*s)
        return NULL;
    char *start = s;
    while (*s && *s != ' ')
        s++;
    if (*s)
        *s++ = 0;
    *rest = s;
    return start;
}

static void dispatch(char *cmd, char *rest)
{
    if (!strcmp(cmd, "name")) {
        sayf("m-name-dut-[tinyfarm-%s]\r\n", port_board_name());
    } else if (!strcmp(cmd, "profile")) {
        say("m-profile-[tinyfarm EEMBC personality]\r\n");
        sayf("m-model-[%s]\r\n", g_ee.model_ok ? "slot" : "none");
    } else if (!strcmp(cmd, "timestamp")) {
        timestamp();
    } else if (!strcmp(cmd, "help")) {
        say("tinyfarm EEMBC personality: name profile timestamp db infer results\r\n");
    } else if (!strcmp(cmd, "db")) {
        char *sub = next_token(&rest);
        if (!sub)
            say("e-[Command 'db' requires a subcommand]\r\n");
        else if (!strcmp(sub, "load"))
            db_load(next_token(&rest));
        else
            db_bytes(sub);
    } else if (!strcmp(cmd, "infer")) {
        char *n = next_token(&rest);
        infer(n, n ? next_token(&rest) : NULL);
    } else if (!strcmp(cmd, "results")) {
        results();
    } else {
        sayf("e-[Unknown command: %s]\r\n", cmd);
    }
}

void eembc_command(char *line)
{
    char *rest = line;
    char *cmd = next_token(&rest);
    if (cmd)
        dispatch(cmd, rest);
    say("m-ready\r\n");
}

int eembc_poll(void)
{
    uint8_t chunk[64];
    size_t n = port_uart_read(chunk, sizeof chunk);
    for (size_t i = 0; i < n; i++) {
        char c = (char)chunk[i];
        if (c == '%') {
            g_ee.cmd[g_ee.pos] = 0;
            g_ee.pos = 0;
            eembc_command(g_ee.cmd);
        } else if (c != '\r' && c != '\n' && g_ee.pos < EEMBC_CMD_SIZE) {
            g_ee.cmd[g_ee.pos++] = c;
        }
    }
    return n != 0;
}
