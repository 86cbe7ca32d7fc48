/* The EEMBC / MLPerf Tiny personality: the agent's engine and port layer
 * behind the MLPerf Tiny device API instead of the framed protocol.
 *
 * Commands end with '%': name, profile, timestamp, help, db load N,
 * db HEX..., infer N [W], results. Every command is answered with its
 * messages (m-..., e-[...]) and then m-ready. The model is the one in the
 * flash slot, loaded at boot. Built with `make PROTOCOL=eembc`. */
#ifndef TF_EEMBC_H
#define TF_EEMBC_H

#include <stddef.h>
#include <stdint.h>

/* Longest command, as in the MLPerf Tiny API (EE_CMD_SIZE). */
#define EEMBC_CMD_SIZE 80u

/* Load the slot's model, print the boot banner (timestamp mode, a
 * timestamp, m-init-done, m-ready). Call after port_init(). */
void eembc_init(void);

/* Feed received characters to the command parser; returns non-zero when
 * bytes were consumed. */
int eembc_poll(void);

/* Serve one complete command (without its '%'); exposed for unit tests. */
void eembc_command(char *line);

/* Parse two hex digits; -1 when either is not a hex digit. */
int eembc_hex_byte(const char *two);

/* Format v with three decimals ("-0.125", "1.000"), rounded to nearest;
 * returns the length written (out holds at least 16 bytes). */
size_t eembc_fixed3(char *out, float v);

#endif
