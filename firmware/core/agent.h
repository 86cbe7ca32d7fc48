/* The device agent: serves docs/protocol.md over the port's UART. */
#ifndef TF_AGENT_H
#define TF_AGENT_H

/* Forget all agent state (model, load in progress, counters). Call after
 * port_init() and again after a reset that does not restart the program. */
void agent_init(void);

/* Send one LOG frame (seq 0) saying which agent booted: what a person at
 * `farm console` sees first, and a host's session files in its log. */
void agent_announce(void);

/* Take the bytes the port has received and serve every complete frame.
 * Returns non-zero when bytes were consumed (call again before idling). */
int agent_poll(void);

/* Serve forever: agent_poll(), port_idle() when there is nothing to do. */
void agent_run(void);

#endif
