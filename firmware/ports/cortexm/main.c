#include "agent.h"
#include "eembc.h"
#include "port.h"

int main(void)
{
    port_init();
#if TF_PROTOCOL_EEMBC
    /* the MLPerf Tiny device API instead of the framed protocol */
    eembc_init();
    for (;;) {
        if (!eembc_poll())
            port_idle();
    }
#else
    agent_init();
    agent_announce();
    agent_run();
#endif
    return 0;
}
